"""Errors the command line reports as one line and exit status 2."""

from __future__ import annotations


class UsageError(Exception):
    """Bad user input (arguments, files, addresses); the message is one line."""

"""Errors of market_abm: each message is one line for the user, in the library's words.

The command line reports any of them as ``market-abm CMD: error: MESSAGE`` on stderr with the
error's ``exit_status`` (2 for bad input, 1 when the machine or the cluster failed). Only the
command line names flags (``UsageError``); the other errors say what is wrong with a value, a
file, a folder or the engine.
"""

from __future__ import annotations


class MarketAbmError(Exception):
    """An error market_abm reports as one line; ``exit_status`` is the command's exit code."""

    exit_status = 2


class UsageError(MarketAbmError):
    """Bad user input (arguments, files, addresses); the message is one line."""


class DataError(MarketAbmError):
    """Observed data that cannot be used (missing, not finite, fractional years)."""


class OutputError(MarketAbmError):
    """An output folder or file that cannot be used without losing or mixing results.

    ``replaceable``: the folder holds market_abm results of another job, which the caller
    may replace on purpose (``--overwrite``).
    """

    def __init__(self, message: str, replaceable: bool = False):
        super().__init__(message)
        self.replaceable = replaceable


class SizeError(MarketAbmError):
    """A job too large for this machine (memory or disk), refused before it starts."""


class StorageError(MarketAbmError):
    """Files that cannot be written or read (disk full, read-only, damaged)."""

    exit_status = 1


class EngineError(MarketAbmError):
    """The runs cannot go on: no Dask scheduler at the address, scheduler lost, no worker."""

    exit_status = 1


def reason(exc: BaseException) -> str:
    """The first line of an exception's message, or its type name when it has none."""
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__

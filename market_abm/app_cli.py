"""``market-abm app``: the interactive page on http://127.0.0.1:PORT (market_abm.viz.server).

    market-abm app --port 8765

Listens on 127.0.0.1 only, serves Solara's front-end read-only from the installed
solara-assets package (no request leaves the machine) and refuses requests whose Host or
Origin is not the page's own. See docs/app.md.
"""

from __future__ import annotations

import argparse
import socket

from market_abm.errors import UsageError


def register(sub) -> None:
    """Add the ``app`` subcommand to the CLI's subparsers."""
    app = sub.add_parser("app", help="serve the interactive page on 127.0.0.1 (offline)")
    app.add_argument("--port", type=int, default=8765,
                     help="port on 127.0.0.1 (default 8765; 0 picks a free one)")
    app.set_defaults(handler=cmd_app, interrupted="the page server stopped")


def free_port(port: int) -> int:
    """``port`` if it can be bound on 127.0.0.1 (a free port for 0), else a UsageError."""
    if not 0 <= port <= 65535:
        raise UsageError(f"--port must be in 0-65535, got {port}")
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError as exc:
            raise UsageError(f"--port {port} cannot be used on 127.0.0.1: {exc.strerror}"
                             ) from None
        return s.getsockname()[1]


def cmd_app(args: argparse.Namespace) -> None:
    from market_abm.viz.server import serve

    serve(free_port(args.port))

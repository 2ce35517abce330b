"""Serving the page: Solara's server, on 127.0.0.1 only, offline and guarded.

``market-abm app`` (``make app``) runs ``serve``. What it changes in Solara's server, and why:

- **Front-end assets read-only from the installed package.** Solara (1.64) serves its
  front-end through a CDN proxy, ``/_solara/cdn/<path>``: a file missing from its cache folder
  is fetched from a public CDN (a path the client chooses, so the page is not offline), and a
  path that is a folder is deleted from the cache (``cdn_helper.get_path`` calls
  ``shutil.rmtree``), so one GET, or an ``<img>`` on any web page the user visits, breaks the
  offline page until the cache is reinstalled. ``serve`` replaces that route with a plain
  read-only ``StaticFiles`` mount over the same folder, ``<venv>/share/solara/cdn``, which the
  pinned ``solara-assets`` package fills at install (``scripts/offline_assets.sh`` checks that
  every file the page asks for is there): a file is sent as it is, a missing one is a 404,
  nothing is fetched and nothing is deleted. Configuration could not do it (turning the proxy
  off points the page at the public CDN) and no newer Solara is available offline.
- **Only the page's own requests.** ``Guard`` refuses (403, or a closed WebSocket) any request
  whose ``Host`` is not ``127.0.0.1:PORT`` or ``localhost:PORT`` (DNS rebinding), that carries
  an ``Origin`` other than the page's, or that a browser marks as coming from another site
  (``Sec-Fetch-Site: cross-site`` or ``same-site``): another web page open in the same browser
  can neither drive a session over the WebSocket nor make the server act on a request.
- **Loopback only, nothing sent out.** It listens on 127.0.0.1, never asks pypi.org for a
  newer version (``solara run`` does at each start) and turns Solara's telemetry off.

``app.py`` calls ``secure_running_server`` so that ``solara run app.py`` gets the same two
protections; ``market-abm app`` is the documented way (docs/app.md).
"""

from __future__ import annotations

import logging
import os
import warnings
from pathlib import Path

log = logging.getLogger(__name__)

CDN_PATH = "/_solara/cdn"
PAGE = "market_abm.viz.page:MarketPage"
ALLOWED_FETCH_SITES = ("same-origin", "none")  # none: typed in the address bar, a bookmark


def assets_dir() -> Path:
    """The folder of front-end files the solara-assets package installed."""
    from solara.server import settings

    return Path(os.environ.get("SOLARA_ASSETS_PROXY_CACHE_DIR")
                or settings.assets.proxy_cache_dir)


class Guard:
    """ASGI middleware: only requests of the page served on 127.0.0.1:``port``."""

    def __init__(self, app, port: int):
        self.app = app
        self.hosts = {f"127.0.0.1:{port}", f"localhost:{port}"}
        self.origins = {f"http://{host}" for host in self.hosts}

    def problem(self, headers) -> str | None:
        """Why a request is refused (None if it is the page's own)."""
        host = headers.get("host", "")
        if host not in self.hosts:
            return f"Host {host!r} is not this server's"
        origin = headers.get("origin")
        if origin is not None and origin not in self.origins:
            return f"Origin {origin!r} is not this page's"
        site = headers.get("sec-fetch-site")
        if site is not None and site not in ALLOWED_FETCH_SITES:
            return f"a {site} request"
        return None

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] in ("http", "websocket"):
            from starlette.datastructures import Headers
            from starlette.responses import PlainTextResponse

            problem = self.problem(Headers(scope=scope))
            if problem is not None:
                log.warning("refused %s %s: %s", scope["type"], scope.get("path"), problem)
                if scope["type"] == "http":
                    response = PlainTextResponse(f"refused: {problem}\n", status_code=403)
                    await response(scope, receive, send)
                else:  # closing before accepting makes the server answer 403
                    await send({"type": "websocket.close", "code": 1008})
                return
        await self.app(scope, receive, send)


def read_only_assets(app) -> None:
    """Replace Solara's CDN proxy route of ``app`` by a read-only mount of assets_dir()."""
    from starlette.routing import Mount
    from starlette.staticfiles import StaticFiles

    static = StaticFiles(directory=assets_dir(), check_dir=True)
    for i, route in enumerate(app.router.routes):
        if isinstance(route, Mount) and route.path == CDN_PATH:
            if type(route.app) is not StaticFiles:  # Solara's StaticCdn, a subclass
                app.router.routes[i] = Mount(CDN_PATH, app=static)
            return
    app.router.routes.insert(0, Mount(CDN_PATH, app=static))


def plain_page() -> None:
    """No "This website runs on Solara" banner (it covered a chart's corner) and the page's
    own title in the browser tab."""
    from solara.server import settings

    settings.theme.show_banner = False
    settings.theme.title = "market_abm"


def harden(app, port: int) -> None:
    """Read-only assets and the Guard on Solara's Starlette ``app`` (idempotent), and the
    plain page."""
    from starlette.middleware import Middleware

    plain_page()
    read_only_assets(app)
    if not any(m.cls is Guard for m in app.user_middleware):
        app.user_middleware.insert(0, Middleware(Guard, port=port))
        # Starlette builds its middleware stack at the first call (the server's start, when
        # app.py runs under `solara run`): drop it so that the next request rebuilds it
        app.middleware_stack = None


def secure_running_server() -> None:
    """``harden`` Solara's server from inside the app, for ``solara run app.py`` (which sets
    SERVER_PORT); does nothing where no server runs (solara.render in tests)."""
    port = os.environ.get("SERVER_PORT")
    if port is None or not port.isdigit():
        return
    import solara.server.starlette

    harden(solara.server.starlette.app, int(port))


def serve(port: int = 8765) -> None:
    """Serve the page on http://127.0.0.1:``port`` until interrupted."""
    os.environ["SOLARA_TELEMETRY_MIXPANEL_ENABLE"] = "false"
    os.environ["SOLARA_APP"] = PAGE
    os.environ["SERVER_NAME"], os.environ["SERVER_PORT"] = "127.0.0.1", str(port)
    import solara.server.settings as settings
    import uvicorn

    settings.telemetry.mixpanel_enable = False
    settings.main.mode = "production"
    # on http://127.0.0.1 Solara falls back to SameSite=lax session cookies, as wanted here
    warnings.filterwarnings("ignore", message="Cookies with samesite=none require https")
    import solara.server.starlette

    app = solara.server.starlette.app
    harden(app, port)
    print(f"market-abm app: serving the page on http://127.0.0.1:{port} (Ctrl-C stops it)",
          flush=True)
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning")

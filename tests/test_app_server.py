"""The page's server cannot be made to break itself or to serve another site: front-end assets
read-only from the installed package (no deletion, no fetch from a CDN), only the page's own
Host and Origin, every port on 127.0.0.1. Both ways of starting it are tested: `market-abm app`
(documented) and a plain `solara run app.py`.

The servers here read their assets from a copy of one package of the cache folder
(SOLARA_ASSETS_PROXY_CACHE_DIR), so a failure cannot damage the environment's own cache.
"""

from __future__ import annotations

import base64
import http.client
import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from market_abm.viz.server import assets_dir

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
FONT = "font-awesome@4.5.0"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def tree(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): p.stat().st_size for p in sorted(folder.rglob("*"))}


@pytest.fixture(scope="module", params=["market-abm app", "solara run app.py"])
def server(request, tmp_path_factory):
    """A page server on a free loopback port over a copy of the font-awesome assets."""
    base = tmp_path_factory.mktemp("server")
    cache = base / "cdn"
    shutil.copytree(assets_dir() / FONT, cache / FONT)
    port = free_port()
    if request.param == "market-abm app":
        cmd = [str(BIN / "market-abm"), "app", "--port", str(port)]
    else:
        cmd = [str(BIN / "solara"), "run", "app.py", "--host", "127.0.0.1", "--port",
               str(port), "--production", "--no-open"]
    env = {**os.environ, "SOLARA_ASSETS_PROXY_CACHE_DIR": str(cache),
           "SOLARA_TELEMETRY_MIXPANEL_ENABLE": "false"}
    log_path = base / "server.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 90
        while get(port, "/")[0] != 200:
            if proc.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the server did not start:\n{log_path.read_text()}")
            time.sleep(0.5)
        yield port, cache, proc, log_path
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    text = log_path.read_text()
    assert "Traceback" not in text and "Could not load URL" not in text, text


def get(port: int, path: str, headers: dict | None = None) -> tuple[int, bytes]:
    """(status, body) of a GET on the server; (0, b'') if nothing answers."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path, headers=headers or {})
        reply = conn.getresponse()
        return reply.status, reply.read()
    except OSError:
        return 0, b""
    finally:
        conn.close()


def websocket_status(port: int, origin: str) -> int:
    """The HTTP status the server answers a WebSocket handshake with from ``origin``."""
    key = base64.b64encode(os.urandom(16)).decode()
    request = (f"GET /jupyter/api/kernels/k{os.getpid()}/channels?session_id=s HTTP/1.1\r\n"
               f"Host: 127.0.0.1:{port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n"
               f"Origin: {origin}\r\n\r\n")
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:
        s.sendall(request.encode())
        status_line = s.makefile("rb").readline().decode()
    return int(status_line.split()[1])


def test_a_folder_request_deletes_nothing(server):
    port, cache, _, _ = server
    before = tree(cache)
    assert (cache / FONT / "css").is_dir()
    for path in (f"/_solara/cdn/{FONT}/css", f"/_solara/cdn/{FONT}/css/",
                 f"/_solara/cdn/{FONT}"):
        status, _ = get(port, path)
        assert status == 404, path
    assert tree(cache) == before


def test_assets_are_served_as_installed_and_a_miss_fetches_nothing(server):
    port, cache, _, log = server
    status, body = get(port, f"/_solara/cdn/{FONT}/css/font-awesome.min.css")
    assert status == 200 and body == (cache / FONT / "css" / "font-awesome.min.css").read_bytes()
    before = tree(cache)
    for path in ("/_solara/cdn/left-pad@1.3.0/index.js", "/_solara/cdn/vega@5",
                 "/_solara/cdn/../../../../etc/passwd"):
        assert get(port, path)[0] == 404, path
    assert tree(cache) == before  # nothing fetched into the cache
    assert "Could not load URL" not in log.read_text()


@pytest.mark.parametrize("headers", [
    {"Host": "evil.example:80"},
    {"Host": "192.168.1.7:8765"},
    {"Origin": "http://evil.example"},
    {"Origin": "null"},
    {"Sec-Fetch-Site": "cross-site"},
    {"Sec-Fetch-Site": "same-site"},
])
def test_requests_from_elsewhere_are_refused(server, headers):
    port, _, _, _ = server
    if "Host" in headers and headers["Host"].endswith(":8765"):
        headers = {"Host": headers["Host"].replace("8765", str(port))}
    status, body = get(port, "/", headers)
    assert status == 403 and body.startswith(b"refused"), (status, body[:200])
    assert get(port, f"/_solara/cdn/{FONT}/css/font-awesome.min.css", headers)[0] == 403


def test_the_page_own_requests_pass(server):
    port, _, _, _ = server
    for headers in ({}, {"Host": f"localhost:{port}"},
                    {"Origin": f"http://127.0.0.1:{port}", "Sec-Fetch-Site": "same-origin"},
                    {"Sec-Fetch-Site": "none"}):
        assert get(port, "/", headers)[0] == 200, headers


def test_websocket_from_another_origin_is_refused(server):
    port, _, _, _ = server
    assert websocket_status(port, "http://evil.example") == 403
    assert websocket_status(port, f"http://127.0.0.1:{port}") == 101


def test_the_server_listens_on_loopback_only(server):
    _, _, proc, _ = server
    family = psutil.Process(proc.pid)
    pids = [family.pid] + [c.pid for c in family.children(recursive=True)]
    listening = [(c.laddr.ip, c.laddr.port) for pid in pids
                 for c in psutil.Process(pid).net_connections(kind="inet")
                 if c.status == psutil.CONN_LISTEN]
    assert listening and all(ip == "127.0.0.1" for ip, _ in listening), listening

"""market_abm in the browser: `market-abm app` (or `make app`) serves this page.

Only assembles the page; the components live in market_abm/viz (see docs/app.md). Under a plain
`solara run app.py`, the server gets the protections of `market-abm app` once this file loads
(read-only front-end assets, only the page's own Host and Origin: market_abm/viz/server.py).
"""

import os

os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "false")

import solara.server.settings  # noqa: E402

from market_abm.viz.page import MarketPage  # noqa: E402
from market_abm.viz.server import secure_running_server  # noqa: E402

# The environment variable is read when the server starts; this covers `solara run app.py`
# started without it (connection events are sent after the app is loaded).
solara.server.settings.telemetry.mixpanel_enable = False
secure_running_server()


Page = MarketPage

"""market_abm in the browser: `solara run app.py --host 127.0.0.1` (or `make app`).

Only assembles the page; the components live in market_abm/viz (see docs/app.md).
"""

import os

os.environ.setdefault("SOLARA_TELEMETRY_MIXPANEL_ENABLE", "false")

import solara.server.settings  # noqa: E402

from market_abm.viz.page import MarketPage  # noqa: E402

# The environment variable is read when the server starts; this covers `solara run app.py`
# started without it (connection events are sent after the app is loaded).
solara.server.settings.telemetry.mixpanel_enable = False


Page = MarketPage

#!/usr/bin/env bash
# Check that the Solara app can load with no internet: every front-end file the page asks for
# under /_solara/cdn must be in the folder `market-abm app` serves read-only
# (<venv>/share/solara/cdn, or $SOLARA_ASSETS_PROXY_CACHE_DIR; market_abm/viz/server.py). The
# files come with the pinned `solara-assets` package (pyproject.toml); the app draws with
# matplotlib, so no vega/vega-lite/katex is needed.
# Usage: scripts/offline_assets.sh [VENV]   (default .venv); exits 1 naming what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."
venv="${1:-.venv}"
"$venv/bin/python" - <<'PY'
import os
import re
import sys
from pathlib import Path

import solara.server
import solara.server.settings as settings

cache = Path(os.environ.get("SOLARA_ASSETS_PROXY_CACHE_DIR")
             or settings.assets.proxy_cache_dir)
page = (Path(solara.server.__file__).parent / "templates" / "solara.html.j2").read_text()
# the vuetify-2 app (ipyvuetify < 3 is pinned) and requirejs, with the exact versions of this solara
wanted = {m.replace("{{ipywidget_major_version}}", "8")
          for m in re.findall(r"cdn}}/((?:@widgetti/solara-vuetify-app|requirejs)@[^\"' ]+)", page)
          if not m.endswith(".js") or m.endswith((".min.js", "require.js"))}
wanted.add(settings.assets.fontawesome_path.lstrip("/"))
missing = sorted(p for p in wanted if not (cache / p).is_file())
if missing:
    sys.exit(f"offline assets: missing in {cache}:\n  " + "\n  ".join(missing)
             + "\nreinstall the pinned solara-assets (scripts/setup.sh) or match solara's version")
print(f"offline assets: {len(wanted)} front-end files present in {cache}")
PY

#!/usr/bin/env bash
# Set up market_abm on a fresh machine: a Python >= 3.12 virtual environment in .venv with the
# package and its test tools. Idempotent: reruns only reinstall when pyproject.toml changed.
# Usage: scripts/setup.sh [--test]   (--test also installs what the test suite needs, including
# Debian's chromium for the app's browser test)
set -euo pipefail
cd "$(dirname "$0")/.."

want_test=0
[ "${1:-}" = "--test" ] && want_test=1

find_python() {
  for cand in python3.12 python3.13 python3; do
    if command -v "$cand" >/dev/null 2>&1 &&
       "$cand" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' 2>/dev/null; then
      command -v "$cand"; return 0
    fi
  done
  if command -v pyenv >/dev/null 2>&1; then
    for v in $(pyenv versions --bare 2>/dev/null | grep -E '^3\.1[2-9]' | sort -V -r); do
      p="$(pyenv root)/versions/$v/bin/python3"
      [ -x "$p" ] && { echo "$p"; return 0; }
    done
  fi
  return 1
}

if [ ! -x .venv/bin/python ]; then
  py=$(find_python) || { echo "setup: no Python >= 3.12 found (install python3.12 or pyenv 3.12)" >&2; exit 1; }
  echo "setup: creating .venv with $py"
  "$py" -m venv .venv
fi

base_stamp=.venv/.installed-$(sha1sum pyproject.toml | cut -c1-12)
stamp=$base_stamp$([ $want_test = 1 ] && echo -test || true)
# an install with the test tools also serves the plain commands (make run, paper, reproduce)
if [ ! -f "$stamp" ] && [ ! -f "$base_stamp-test" ]; then
  .venv/bin/python -m pip install --quiet --upgrade pip
  extras=""; [ $want_test = 1 ] && extras="[test]"
  .venv/bin/python -m pip install --quiet -e ".${extras}"
  touch "$stamp"
fi
scripts/offline_assets.sh .venv  # the app's front-end must be served with no internet

# The browser test drives Debian's chromium (Playwright cannot download a browser here).
if [ $want_test = 1 ] && [ ! -x /usr/bin/chromium ]; then
  echo "setup: installing chromium for the browser test"
  sudo_cmd=""; [ "$(id -u)" != 0 ] && sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo_cmd apt-get install -y -qq chromium >/dev/null
fi
echo "setup: ready ($(.venv/bin/python --version))"

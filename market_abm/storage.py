"""Results on disk: Parquet tables and a manifest, written atomically.

Every file is written under a temporary name in its folder and renamed into place, so a run
killed at any moment leaves either the previous file or the complete new one, never half.
Files contain no timestamps: the same scenario and seed give byte-identical files.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys
import tempfile
from importlib import metadata
from pathlib import Path
from typing import Any

import pandas as pd

PACKAGES = ("market_abm", "mesa", "numpy", "pandas", "networkx", "scipy", "pyarrow")


def atomic_write(path: Path, write) -> None:
    """Call ``write(tmp_path)`` then rename the temporary file onto ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    try:
        write(Path(tmp))
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual file mode
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """A DataFrame to Parquet without its index, atomically."""
    atomic_write(path, lambda tmp: frame.to_parquet(tmp, index=False))


def write_json(data: dict[str, Any], path: Path) -> None:
    """A dict to pretty JSON, atomically."""
    atomic_write(path, lambda tmp: tmp.write_text(json.dumps(data, indent=2, default=str)
                                                  + "\n"))


def package_versions() -> dict[str, str]:
    """Installed versions of the packages a result depends on."""
    out = {"python": platform.python_version()}
    for name in PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "not installed"
    return out


def git_commit() -> str:
    """The commit of the source tree market_abm runs from ('unknown' outside git)."""
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(["git", "-C", str(here), "rev-parse", "HEAD"], capture_output=True,
                             text=True, timeout=10, check=True)
        dirty = subprocess.run(["git", "-C", str(here), "status", "--porcelain", "--",
                                str(here)], capture_output=True, text=True, timeout=10)
        return out.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


def manifest(**fields: Any) -> dict[str, Any]:
    """A manifest: the given fields plus versions, git commit and command line."""
    return {**fields, "versions": package_versions(), "git_commit": git_commit(),
            "command": " ".join(sys.argv)}

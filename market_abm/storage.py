"""Results on disk: Parquet tables and a manifest, written atomically and durably.

Every file is written under a temporary name in its folder, flushed to the disk (fsync), and
renamed into place, and the folder is flushed after the rename; so a process killed at any
moment, or a power loss, leaves either the previous file or the complete new one, never half.
A failed write (disk full, read-only file system) raises ``StorageError`` and leaves no
temporary file. Files contain no timestamps: the same scenario and seed give byte-identical
files.
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

from market_abm.errors import StorageError

PACKAGES = ("market_abm", "mesa", "numpy", "pandas", "networkx", "scipy", "pyarrow")


def fsync(path: Path) -> None:
    """Flush a file's or a folder's content to the disk."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def atomic_write(path: Path, write) -> None:
    """Call ``write(tmp_path)``, flush the temporary file, rename it onto ``path`` and flush
    the folder. An OSError (disk full, read-only) becomes a StorageError naming ``path``."""
    tmp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
        os.close(fd)
        write(Path(tmp))
        os.chmod(tmp, 0o666 & ~_umask())  # mkstemp makes 0600; give the usual file mode
        fsync(Path(tmp))
        os.replace(tmp, path)
        tmp = None
        fsync(path.parent)
    except OSError as exc:
        raise StorageError(f"cannot write {path}: {_why(exc)}") from None
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)


def _why(exc: OSError) -> str:
    """An OSError in a few words (pyarrow's carry a long detail after the errno)."""
    if exc.errno is not None:
        return os.strerror(exc.errno)
    return str(exc).splitlines()[0] if str(exc) else type(exc).__name__


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """A DataFrame to Parquet without its index, atomically."""
    atomic_write(path, lambda tmp: frame.to_parquet(tmp, index=False))


def write_json(data: dict[str, Any], path: Path) -> None:
    """A dict to pretty JSON, atomically. NaN and infinity are refused (not JSON)."""
    text = json.dumps(data, indent=2, default=str, allow_nan=False) + "\n"
    atomic_write(path, lambda tmp: tmp.write_text(text))


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

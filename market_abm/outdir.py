"""Output folders: claimed with a lock file, never mixed with another job's results.

Every command that writes a folder (a run, a sweep, a sensitivity analysis, a calibration)
describes its job with a ``Job``: its kind, an identity (a hash of everything that determines
the results) and the names it writes. ``Claim(folder, job)`` then

1. checks the folder without writing anything: it must be absent, empty, or hold this same
   job (a rerun, a resume); a folder holding another job's results is refused unless
   ``overwrite`` is given, and a folder holding files market_abm did not write is always
   refused (``overwrite`` never deletes what market_abm did not write);
2. creates the folder and takes its lock file ``.market-abm.lock`` (an operating-system lock
   that dies with the process, so a killed job leaves no stale lock): a second process on the
   same folder gets ``OutputError`` at once instead of mixing files with the first;
3. checks again under the lock, and with ``overwrite`` empties a folder of another job.

A job recognises its folder by ``manifest.json`` (``manifest_identity``): every market_abm
manifest carries package versions and the git commit, a sweep's a fingerprint, a run's its
scenario and seed. ``Claim.replace`` writes a whole result into a temporary folder beside the
target, flushes it to disk and swaps it in with one atomic rename (Linux ``renameat2``
exchange), so a run killed while saving leaves either the old complete result or the new one.

Example:
    >>> import tempfile
    >>> root = Path(tempfile.mkdtemp())
    >>> job = Job("run", "abc", frozenset({"a.txt", "manifest.json"}))
    >>> with Claim(root / "out", job) as claim:
    ...     claim.replace(lambda tmp: (tmp / "a.txt").write_text("new"))
    >>> sorted(p.name for p in (root / "out").iterdir())
    ['.market-abm.lock', 'a.txt']
"""

from __future__ import annotations

import ctypes
import errno
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from filelock import FileLock, Timeout

from market_abm.errors import OutputError, StorageError
from market_abm.storage import fsync

LOCK = ".market-abm.lock"
MANIFEST = "manifest.json"
KINDS = {"run": "a run", "sweep": "a sweep", "sensitivity": "a sensitivity analysis",
         "calibration": "a calibration", "discovery": "a scenario discovery"}


def is_temporary(path: Path) -> bool:
    """A file or folder market_abm writes under a temporary name (``.NAME.RANDOM.tmp``)."""
    return path.name.startswith(".") and path.name.endswith(".tmp")


def identity(fields: dict[str, Any]) -> str:
    """A short hash of everything that determines a job's results."""
    text = json.dumps(fields, sort_keys=True, default=str)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def run_identity(scenario: dict[str, Any], seed: dict[str, Any]) -> str:
    """The identity of a run: its scenario and how it was seeded (runner.seed_info)."""
    return identity({"scenario": scenario, "seed": seed})


@dataclass(frozen=True)
class Job:
    """What a command writes into a folder.

    Args:
        kind: ``run``, ``sweep``, ``sensitivity``, ``calibration`` or ``discovery`` (for messages).
        identity: hash of everything that determines the results (same job, same identity).
        names: the entries the job writes at the folder's top level.
        check: optional extra check of a folder of this same job; returns the name of an
            entry the job did not write, or None.
    """

    kind: str
    identity: str
    names: frozenset[str]
    check: Callable[[Path], str | None] | None = field(default=None, compare=False)


def read_manifest(folder: Path) -> dict[str, Any] | None:
    """The folder's manifest.json if market_abm wrote it, else None (absent, unreadable,
    or some other program's manifest)."""
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not {"versions", "git_commit"} <= set(data):
        return None
    return data


def manifest_identity(manifest: dict[str, Any]) -> str | None:
    """The identity of the job that wrote a manifest (None if it does not tell)."""
    if "fingerprint" in manifest:
        return str(manifest["fingerprint"])
    if "scenario" in manifest:
        seed = {k: manifest[k] for k in ("seed", "seed_entropy", "seed_spawn_key")
                if k in manifest}
        return run_identity(manifest["scenario"], seed)
    return None


def describe(manifest: dict[str, Any]) -> str:
    """'a run', 'a sweep'... for the job that wrote a manifest."""
    kind = manifest.get("kind", "run" if "scenario" in manifest else "")
    if kind == "calibration" and "n_runs" in manifest:
        return "a calibration round (a sweep)"
    return KINDS.get(kind, "a market-abm result")


def _holds_nothing(path: Path) -> bool:
    """A temporary entry, the lock, or a folder holding only such entries."""
    if path.name == LOCK or is_temporary(path):
        return True
    return path.is_dir() and not path.is_symlink() and all(map(_holds_nothing,
                                                               path.iterdir()))


def inspect(folder: Path, job: Job, overwrite: bool = False) -> str:
    """Check ``folder`` for ``job`` without writing: 'new' (absent), 'empty', 'same' (this
    job's folder) or 'replace' (another job's, with ``overwrite``); else OutputError."""
    if not folder.exists():
        if folder.is_symlink():
            raise OutputError(f"{folder} is a broken symbolic link", replaceable=False)
        return "new"
    if not folder.is_dir():
        raise OutputError(f"{folder} exists and is not a folder", replaceable=False)
    try:
        entries = sorted(p for p in folder.iterdir() if not _holds_nothing(p))
    except OSError as exc:
        raise OutputError(f"{folder} cannot be read: {exc.strerror}", replaceable=False) \
            from None
    if not entries:
        return "empty"
    manifest = read_manifest(folder)
    if manifest is None:
        raise OutputError(f"{folder} holds files market-abm did not write "
                          f"({entries[0].name}): choose another folder", replaceable=False)
    if manifest_identity(manifest) != job.identity:
        if overwrite:
            return "replace"
        other = ("with other settings" if describe(manifest) == KINDS.get(job.kind)
                 else f"where {KINDS.get(job.kind, 'this job')} would mix with it")
        raise OutputError(f"{folder} holds {describe(manifest)} {other}: choose another "
                          "folder", replaceable=True)
    stray = next((p.name for p in entries if p.name not in job.names), None)
    if stray is None and job.check is not None:
        stray = job.check(folder)
    if stray is not None:
        if overwrite:
            return "replace"
        raise OutputError(f"{folder} holds {stray}, which this {job.kind} did not write: "
                          "remove it or choose another folder", replaceable=True)
    return "same"


def _clear(folder: Path) -> None:
    """Remove everything in ``folder`` but its lock file."""
    for entry in folder.iterdir():
        if entry.name == LOCK:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry)
        else:
            entry.unlink()


def _staging_pattern(folder: Path) -> re.Pattern:
    return re.compile(rf"^\.{re.escape(folder.name)}\.[a-z0-9_]{{8}}(_old)?\.tmp$")


class Claim:
    """A folder held by this process for ``job`` (see the module docstring).

    Use as a context manager. On an error inside the block, a folder this claim created is
    removed again if nothing but the lock was written into it.

    ``whole``: the job writes its result as a whole with ``replace``; another job's results
    (``overwrite``) then stay in place until the new result is swapped in. Otherwise they are
    removed when the folder is claimed (a sweep then writes into the emptied folder).
    """

    def __init__(self, folder: Path, job: Job, overwrite: bool = False, whole: bool = False):
        self.folder, self.job, self.overwrite = Path(folder), job, overwrite
        self.whole = whole
        self.created = False
        self._lock: FileLock | None = None

    def __enter__(self) -> Claim:
        state = inspect(self.folder, self.job, self.overwrite)  # nothing written before
        self.created = state == "new"
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise OutputError(f"{self.folder} cannot be created: {exc.strerror}",
                              replaceable=False) from None
        try:
            self._lock = self._take(self.folder)
            state = inspect(self.folder, self.job, self.overwrite)
            if state == "replace" and not self.whole:
                _clear(self.folder)
            self._remove_stale()
        except BaseException:
            self.__exit__(OutputError, None, None)
            raise
        return self

    def _take(self, folder: Path) -> FileLock:
        # an flock lock: released by the kernel when the process dies (no soft fallback,
        # whose marker a killed process would leave behind)
        lock = FileLock(folder / LOCK, timeout=0, thread_local=False, fallback_to_soft=False)
        try:
            lock.acquire()
        except Timeout:
            raise OutputError(f"{folder} is in use by another market-abm process (it holds "
                              f"{folder / LOCK}); wait for it to finish",
                              replaceable=False) from None
        except OSError as exc:
            raise OutputError(f"{folder} cannot be written: {exc.strerror}",
                              replaceable=False) from None
        return lock

    def _remove_stale(self) -> None:
        """Temporary entries left by a killed process that held this folder."""
        for entry in self.folder.iterdir():
            if is_temporary(entry):
                shutil.rmtree(entry) if entry.is_dir() else entry.unlink(missing_ok=True)
        pattern = _staging_pattern(self.folder)
        for entry in self.folder.parent.iterdir():
            if pattern.match(entry.name) and entry.is_dir():
                shutil.rmtree(entry, ignore_errors=True)

    def replace(self, write: Callable[[Path], None]) -> None:
        """Write a whole new result with ``write(tmp_folder)``, flush it, and swap it in for
        the folder's content in one atomic step; the old content is then removed."""
        try:
            tmp = Path(tempfile.mkdtemp(prefix=f".{self.folder.name}.", suffix=".tmp",
                                        dir=self.folder.parent))
        except OSError as exc:
            raise StorageError(f"cannot write beside {self.folder}: {exc.strerror}") from None
        new_lock = None
        try:
            os.chmod(tmp, 0o777 & ~_umask())  # mkdtemp makes 0700
            new_lock = self._take(tmp)
            write(tmp)
            for path in sorted(tmp.rglob("*"), reverse=True):
                fsync(path)
            fsync(tmp)
            _exchange(tmp, self.folder)  # the folder is the new result; tmp the old one
            fsync(self.folder.parent)
        except BaseException as exc:
            if new_lock is not None:
                new_lock.release()
            shutil.rmtree(tmp, ignore_errors=True)
            if isinstance(exc, OSError):
                why = os.strerror(exc.errno) if exc.errno else str(exc)
                raise StorageError(f"cannot write {self.folder}: {why}") from None
            if isinstance(exc, StorageError):  # name the file where it was going, not tmp
                raise StorageError(str(exc).replace(str(tmp), str(self.folder))) from None
            raise
        old, self._lock = self._lock, new_lock
        if old is not None:
            old.release()
        shutil.rmtree(tmp, ignore_errors=True)
        self.created = False

    def __exit__(self, exc_type, exc, tb) -> None:
        if self._lock is not None:
            self._lock.release()
            self._lock = None
        if exc_type is not None and self.created and self.folder.is_dir() \
                and _holds_nothing(self.folder):
            shutil.rmtree(self.folder, ignore_errors=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(new: Path, target: Path) -> None:
    """Swap folders ``new`` and ``target`` atomically where the system allows (Linux
    renameat2 RENAME_EXCHANGE), else with three renames (a crash between them leaves both
    folders, one under a temporary name: nothing is lost)."""
    libc = ctypes.CDLL(None, use_errno=True)
    renameat2 = getattr(libc, "renameat2", None)
    if renameat2 is not None:
        rc = renameat2(_AT_FDCWD, os.fsencode(new), _AT_FDCWD, os.fsencode(target),
                       _RENAME_EXCHANGE)
        if rc == 0:
            return
        err = ctypes.get_errno()
        if err not in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP):
            raise OSError(err, os.strerror(err), str(target))
    aside = new.with_name(new.name.removesuffix(".tmp") + "_old.tmp")
    os.rename(target, aside)
    try:
        os.rename(new, target)
    except OSError:
        os.rename(aside, target)
        raise
    os.rename(aside, new)

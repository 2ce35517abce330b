"""What the machine or the user can do to a job, and what the job does about it: a full disk,
Ctrl-C, two processes on one folder, damaged run files on resume, a killed save, a port that
is not a Dask scheduler, a lost scheduler, a cluster without workers. Each ends with one line
and either the previous result intact or a folder the same command resumes.
(Bad input of every command: tests/test_bad_inputs.py.)"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import threading
from pathlib import Path

import pandas as pd
import pytest

from market_abm import engines, storage
from market_abm.cli import main
from market_abm.outdir import LOCK
from tests.dask_cluster import dask_cluster, stop, wait_for

RUN = ["--set", "n_customers=200", "--set", "end_year=1991", "--quiet"]
# 2 points x 2 replicates of a short run
SWEEP = ["--set", "n_customers=200", "--set", "end_year=1992", "--grid",
         "printer_capability_growth=0.2,0.4", "--replicates", "2", "--seed", "7"]
N_RUNS = 4
# longer runs: time to act while the sweep is under way
SLOW = ["--set", "n_customers=300", "--set", "end_year=2003", "--grid",
        "printer_capability_growth=0.2,0.4", "--replicates", "3", "--seed", "7"]


def cli(*args, timeout=300):
    return subprocess.run([sys.executable, "-m", "market_abm.cli", *args], capture_output=True,
                          text=True, timeout=timeout)


def error_lines(err: str) -> list[str]:
    """stderr without the sweep's progress lines."""
    return [line for line in err.strip().splitlines() if not line.startswith("sweep: ")]


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*"))
            if p.is_file()}


@pytest.fixture(scope="module")
def reference(tmp_path_factory):
    """The SWEEP run in-process, for comparison."""
    out = tmp_path_factory.mktemp("ref") / "sweep"
    assert main(["sweep", *SWEEP, "--workers", "1", "--out", str(out)]) == 0
    return out


def assert_same_sweep(a: Path, b: Path) -> None:
    for name in ("runs.parquet", "yearly.parquet"):
        pd.testing.assert_frame_equal(pd.read_parquet(a / name), pd.read_parquet(b / name))


# --- a full disk ----------------------------------------------------------------------------
@pytest.fixture
def full_disk(monkeypatch):
    """Make every atomic write whose target name matches fail as on a full disk: its temporary
    file is a link to /dev/full, so the real writer (pyarrow, matplotlib...) gets ENOSPC."""
    real = storage.tempfile.mkstemp
    patterns: list[str] = []

    class Shim:
        @staticmethod
        def mkstemp(prefix, suffix, dir):
            if not any(p in prefix for p in patterns):
                return real(prefix=prefix, suffix=suffix, dir=dir)
            path = Path(dir) / f"{prefix}full{suffix}"
            path.symlink_to("/dev/full")
            return os.open(path, os.O_WRONLY), str(path)

    monkeypatch.setattr(storage, "tempfile", Shim)
    return patterns


def test_run_on_a_full_disk_keeps_the_previous_result(tmp_path, full_disk, capsys):
    out = tmp_path / "run"
    assert main(["run", *RUN, "--seed", "1", "--out", str(out)]) == 0
    before = snapshot(out)
    capsys.readouterr()
    full_disk.append("flows.parquet")
    assert main(["run", *RUN, "--seed", "2", "--overwrite", "--out", str(out)]) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "No space left on device" in err[0], err
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]  # no temporary folder left


def test_sweep_on_a_full_disk_stops_with_one_line_and_resumes(tmp_path, full_disk, capsys,
                                                             reference):
    out = tmp_path / "sweep"
    full_disk.append(".run_000002.parquet")
    assert main(["sweep", *SWEEP, "--workers", "1", "--out", str(out)]) == 1
    err = error_lines(capsys.readouterr().err)
    assert len(err) == 1 and "No space left on device" in err[0] and "run_000002" in err[0]
    assert sorted(p.name for p in (out / "runs").iterdir()) == ["run_000000.parquet",
                                                                "run_000001.parquet"]
    full_disk.clear()
    assert main(["sweep", *SWEEP, "--workers", "1", "--out", str(out)]) == 0
    assert "2 already stored, 2 to run" in capsys.readouterr().out
    assert_same_sweep(reference, out)


# --- Ctrl-C ---------------------------------------------------------------------------------
def answer_ctrl_c() -> None:
    """In the child: SIGINT as in a terminal (a test runner may leave it ignored, and an
    ignored SIGINT is inherited)."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


@pytest.mark.parametrize("workers", ["1", "2"])  # in-process, embedded LocalCluster
def test_ctrl_c_stops_a_sweep_with_one_line_and_it_resumes(tmp_path, workers):
    out = tmp_path / "sweep"
    spec = [*SLOW[:-4], "--replicates", "5", "--seed", "7"]  # 10 runs
    proc = subprocess.Popen([sys.executable, "-m", "market_abm.cli", "sweep", *spec,
                             "--workers", workers, "--out", str(out)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            start_new_session=True, preexec_fn=answer_ctrl_c)
    try:
        wait_for(lambda: len(list((out / "runs").glob("run_*.parquet"))) >= 2, 120,
                 "two stored runs")
        os.killpg(proc.pid, signal.SIGINT)  # as Ctrl-C in a terminal: the whole group
        _, err = proc.communicate(timeout=60)
    finally:
        stop(proc)
    assert proc.returncode == 130, err
    lines = error_lines(err)
    assert lines == ["market-abm sweep: interrupted; the runs stored in --out are kept: rerun "
                     "the same command to resume"], err
    stored = len(list((out / "runs").glob("run_*.parquet")))
    assert json.loads((out / "manifest.json").read_text())["status"] == "running"
    done = cli("sweep", *spec, "--workers", workers, "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert f"{stored} already stored, {10 - stored} to run" in done.stdout


def test_ctrl_c_during_a_run_writes_nothing(tmp_path, monkeypatch, capsys):
    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("market_abm.cli.simulate", interrupted)
    out = tmp_path / "run"
    assert main(["run", *RUN, "--out", str(out)]) == 130
    assert capsys.readouterr().err.strip().splitlines() == [
        "market-abm run: interrupted; nothing was written (a previous result in --out is "
        "intact)"]
    assert not out.exists()


def test_a_run_killed_while_saving_leaves_the_old_result(tmp_path, monkeypatch, capsys):
    out = tmp_path / "run"
    assert main(["run", *RUN, "--seed", "1", "--out", str(out)]) == 0
    before = snapshot(out)
    real = storage.write_parquet

    def killed_after_timeseries(frame, path):
        real(frame, path)
        if path.name == "timeseries.parquet":  # the new seed's timeseries is on disk
            raise KeyboardInterrupt

    monkeypatch.setattr("market_abm.runner.write_parquet", killed_after_timeseries)
    assert main(["run", *RUN, "--seed", "2", "--overwrite", "--out", str(out)]) == 130
    assert snapshot(out) == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["run"]


def test_a_run_replaces_a_run_as_a_whole(tmp_path):
    out = tmp_path / "run"
    assert main(["run", *RUN, "--seed", "1", "--out", str(out)]) == 0
    assert main(["run", *RUN, "--seed", "1", "--out", str(out)]) == 0  # the same run again
    assert main(["run", *RUN, "--seed", "2", "--overwrite", "--out", str(out)]) == 0
    alone = tmp_path / "alone"
    assert main(["run", *RUN, "--seed", "2", "--out", str(alone)]) == 0
    assert snapshot(out).keys() == snapshot(alone).keys()
    for name in ("timeseries.parquet", "flows.parquet", "firms.parquet", "channels.png"):
        assert (out / name).read_bytes() == (alone / name).read_bytes(), name


# --- one folder, one job --------------------------------------------------------------------
def test_a_second_process_on_the_same_folder_gets_one_line(tmp_path):
    out = tmp_path / "sweep"
    long = [*SLOW[:-4], "--replicates", "40", "--seed", "7"]  # long enough to meet it
    first = subprocess.Popen([sys.executable, "-m", "market_abm.cli", "sweep", *long,
                              "--workers", "1", "--out", str(out)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_for(lambda: any((out / "runs").glob("run_*.parquet")), 120, "a stored run")
        second = cli("sweep", *long, "--workers", "1", "--out", str(out))
        assert first.poll() is None, "the first sweep ended before the second started"
    finally:
        stop(first)
    assert second.returncode == 2
    lines = second.stderr.strip().splitlines()
    assert lines == [f"market-abm sweep: error: --out {out} is in use by another market-abm "
                     f"process (it holds {out / LOCK}); wait for it to finish"], lines


def test_the_lock_dies_with_its_process(tmp_path, reference):
    out = tmp_path / "sweep"
    shutil.copytree(reference, out)
    holder = subprocess.Popen([sys.executable, "-c", "import sys, time; from filelock import "
                               "FileLock; lock = FileLock(sys.argv[1]); lock.acquire(); "
                               "print('held', flush=True); time.sleep(600)", str(out / LOCK)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        assert main(["sweep", *SWEEP, "--workers", "1", "--out", str(out)]) == 2
        holder.send_signal(signal.SIGKILL)
        holder.wait(timeout=15)
    finally:
        stop(holder)
    assert main(["sweep", *SWEEP, "--workers", "1", "--out", str(out)]) == 0


# --- resume checks every stored run ---------------------------------------------------------
def test_resume_redoes_damaged_run_files_saying_so(tmp_path, reference, capsys):
    out = tmp_path / "sweep"
    shutil.copytree(reference, out)
    runs = out / "runs"
    (runs / "run_000000.parquet").write_bytes(b"")  # empty
    data = (runs / "run_000001.parquet").read_bytes()
    (runs / "run_000001.parquet").write_bytes(data[: len(data) // 2])  # truncated
    shutil.copy(runs / "run_000003.parquet", runs / "run_000002.parquet")  # another run's
    capsys.readouterr()
    assert main(["sweep", *SWEEP, "--workers", "1", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "runs/run_000000.parquet is damaged (unreadable" in text
    assert "runs/run_000001.parquet is damaged (unreadable" in text
    assert "runs/run_000002.parquet is damaged (it holds run_id 3)" in text
    assert "1 already stored, 3 to run" in text
    assert_same_sweep(reference, out)


def test_a_file_the_sweep_did_not_write_is_refused(tmp_path, reference, capsys):
    out = tmp_path / "sweep"
    shutil.copytree(reference, out)
    (out / "runs" / "run_abc.parquet").write_bytes(b"x")
    before = snapshot(out)
    assert main(["sweep", *SWEEP, "--workers", "1", "--out", str(out)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert err == [f"market-abm sweep: error: --out {out} holds runs/run_abc.parquet, which "
                   "this sweep did not write: remove it or choose another folder, or add "
                   "--overwrite to replace it"]
    assert snapshot(out) == before
    assert main(["sweep", *SWEEP, "--workers", "1", "--overwrite", "--out", str(out)]) == 0
    assert not (out / "runs" / "run_abc.parquet").exists()
    assert_same_sweep(reference, out)


# --- Dask: a port that is not a scheduler, a lost scheduler, no worker -----------------------
@pytest.fixture(params=["silent", "http"])
def not_dask(request):
    """A loopback port where a server accepts connections: silent, or answering HTTP."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    held = []

    def serve():
        while True:
            try:
                conn, _ = server.accept()
            except OSError:
                return
            held.append(conn)
            if request.param == "http":
                conn.recv(1024)
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi")

    threading.Thread(target=serve, daemon=True).start()
    yield f"tcp://127.0.0.1:{server.getsockname()[1]}"
    server.close()
    for conn in held:
        conn.close()


def test_a_port_that_is_not_a_dask_scheduler_is_one_line(tmp_path, not_dask):
    out = tmp_path / "never"
    done = cli("sweep", *SWEEP, "--scheduler", not_dask, "--out", str(out), timeout=60)
    assert done.returncode == 2
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and f"cannot reach Dask scheduler {not_dask}" in lines[0], lines
    assert not out.exists()


def test_no_worker_for_too_long_is_one_line_and_resumable(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(engines, "NO_WORKER_TIMEOUT_S", 2)
    out = tmp_path / "sweep"
    with dask_cluster(tmp_path, workers=0) as address:
        assert main(["sweep", *SWEEP, "--scheduler", address, "--out", str(out)]) == 1
    err = error_lines(capsys.readouterr().err)
    assert len(err) == 1 and "has had no worker for 2 s while 4 runs wait" in err[0], err
    assert json.loads((out / "manifest.json").read_text())["status"] == "running"


def test_a_lost_scheduler_is_one_line_and_resumable(tmp_path, reference):
    out = tmp_path / "sweep"
    procs: list[subprocess.Popen] = []
    with dask_cluster(tmp_path, workers=1, procs=procs) as address:
        sweep = subprocess.Popen([sys.executable, "-m", "market_abm.cli", "sweep", *SLOW,
                                  "--scheduler", address, "--out", str(out)],
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        try:
            wait_for(lambda: any((out / "runs").glob("run_*.parquet")), 120, "a stored run")
            procs[0].send_signal(signal.SIGKILL)  # the scheduler
            _, err = sweep.communicate(timeout=120)
        finally:
            stop(sweep)
    assert sweep.returncode == 1, err
    lines = error_lines(err)
    assert len(lines) == 1 and "lost the connection to Dask scheduler" in lines[0], err
    assert "Traceback" not in err
    done = cli("sweep", *SLOW, "--workers", "1", "--out", str(out))
    assert done.returncode == 0, done.stderr


# --- the largest sizes ----------------------------------------------------------------------
def test_the_largest_run_starts_with_an_estimate(tmp_path, monkeypatch, capsys):
    def stop_at_once(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr("market_abm.cli.simulate", stop_at_once)
    out = tmp_path / "huge"
    largest = ["--set", "n_customers=5000000", "--set", "end_year=2200", "--set",
               "steps_per_year=365"]
    assert main(["run", *largest, "--out", str(out)]) == 130
    warning, stopped = capsys.readouterr().err.strip().splitlines()
    assert warning.startswith("market-abm run: warning: a large run (5,000,000 customers x "
                              "77,015 steps): about 9.")
    assert " GB of memory and " in warning and " h on one core" in warning
    assert stopped.startswith("market-abm run: interrupted")
    assert not out.exists()
    monkeypatch.undo()
    assert main(["run", *RUN, "--out", str(out)]) == 0  # a small run: no warning
    assert "warning" not in capsys.readouterr().err


# --- durable on power loss ------------------------------------------------------------------
def test_every_file_and_folder_of_a_run_is_flushed_to_disk(tmp_path, monkeypatch):
    flushed = set()
    real = os.fsync

    def fsync(fd):
        flushed.add(os.readlink(f"/proc/self/fd/{fd}"))
        real(fd)

    monkeypatch.setattr(os, "fsync", fsync)
    out = tmp_path / "run"
    assert main(["run", *RUN, "--out", str(out)]) == 0
    written = {str(p) for p in out.iterdir()}
    # the files were flushed in the temporary folder, then that folder was renamed to out
    assert {str(out / Path(p).name) for p in flushed if Path(p).parent.name.endswith(
        ".tmp")} >= written
    assert str(tmp_path) in flushed  # the rename itself

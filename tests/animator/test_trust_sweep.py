"""A sweep trusts neither its folders nor its cluster (issue 16): saved runs, the resume folder, Dask peers.

Each test is one of the crafted inputs a hostile user tried: a rogue Dask worker
that answers with a pickle, a port that accepts and never speaks, a user's file
where ``--save-runs`` writes, stale Recordings of an earlier sweep, faked,
foreign, damaged, deeply nested or oversized runs in ``results.runs/``.
"""

import contextlib
import importlib.util
import io
import json
import os
import socket
import struct
import subprocess
import sys
import threading
import time
import zipfile
import zlib

import numpy as np
import pytest

from animator import Recording, RunConfig, UserError
from animator.executors import InProcess
from animator.sweep import run_sweep, table_text, tasks
from animator_app.grammar import sweep_from_text

from memory import peak_bytes
from animator.sweep_store import RecordingFolder, RunStore, run_key
from animator.untrusted import Untrusted

SMALL = ["--epochs", "30", "--frames", "3", "--resolution", "8", "-q"]
CONFIG = RunConfig(epochs=30, frames=3, grid_resolution=8)

needs_dask = pytest.mark.skipif(importlib.util.find_spec("distributed") is None,
                                reason="the dask extra is not installed (pip install -e '.[dask]')")


def _one_line(result):
    return result.code == 2 and len(result.err.strip().splitlines()) == 1 and "Traceback" not in result.err


def _sweep(epochs=30, optimizer="sgd", grid="lr=0.5,1"):
    return sweep_from_text(optimizer, [grid], {}, RunConfig(epochs=epochs, frames=3, grid_resolution=8))


class Counting(InProcess):
    def __init__(self):
        self.trained = []

    def map(self, function, tasks, *, on_progress=None):
        for task, result in super().map(function, tasks, on_progress=on_progress):
            self.trained.append(task.cell)
            yield task, result


def _rewrite(path, change):
    """Rewrite the run file at ``path`` with ``change(members)`` applied: ``{name: array}``."""
    with np.load(path, allow_pickle=False) as stored:
        members = {name: stored[name] for name in stored.files}
    change(members)
    np.savez_compressed(path, **members)


def _meta(members, **changes):
    meta = json.loads(str(members["meta"]))
    meta.update(changes)
    members["meta"] = np.array(json.dumps(meta))


# -- the resume folder is data -----------------------------------------------------------------------

@pytest.fixture
def stored(tmp_path):
    """A finished two-run sweep and its resume folder."""
    sweep = _sweep()
    store = RunStore(tmp_path / "t.runs")
    result = run_sweep(sweep, store=store)
    return sweep, store, result


def _tamper_cases(task):
    return {
        "faked final loss": lambda m: _meta(m, content="0" * 64) or m.update(numbers=np.array([0.001, 1, 1, 0.1])),
        "faked numbers, hash kept": lambda m: m.update(numbers=np.array([0.001, 1.0, 1.0, 0.1])),
        "faked loss curve": lambda m: m.update(frame_loss=(m["frame_loss"] * 0).astype(np.float32)),
        "another cell": lambda m: _meta(m, cell=[1]),
        "frame-count mismatch": lambda m: m.update(frame_loss=np.zeros(7, np.float32)),
        "string loss": lambda m: m.update(numbers=np.array(["x", "1", "1", "0"])),
        "null loss": lambda m: _meta(m, last_epoch=None),
        "string epoch": lambda m: _meta(m, best_epoch="3"),
        "wrong settings": lambda m: _meta(m, settings={"format": 2}),
        "pickled member": lambda m: m.update(grid_probs=np.array([object()], dtype=object)),
        "nested JSON": lambda m: m.update(meta=np.array("[" * 100000 + "]" * 100000)),
        "not JSON": lambda m: m.update(meta=np.array("{")),
        "extra member": lambda m: m.update(extra=np.zeros(3)),
    }


@pytest.mark.parametrize("case", list(_tamper_cases(None)))
def test_a_stored_run_that_does_not_verify_is_trained_again_with_a_note(stored, case):
    sweep, store, result = stored
    task = tasks(sweep)[0]
    path = store.path(task)
    if case == "pickled member":
        with np.load(path, allow_pickle=False) as kept:
            members = {name: kept[name] for name in kept.files}
        members["grid_probs"] = np.array([{"a": 1}], dtype=object)
        np.savez(path, **members)                              # np.savez pickles object arrays
    else:
        _rewrite(path, _tamper_cases(task)[case])
    counting = Counting()
    again = run_sweep(sweep, executor=counting, store=store)
    assert counting.trained == [(0,)], case                       # only the tampered run trains again
    assert again.resumed == 1 and len(again.rejected) == 1 and "t.runs/run-" in again.rejected[0]
    assert _without_seconds(table_text(again)) == _without_seconds(table_text(result))


def _without_seconds(text):
    return [line.rsplit(",", 1)[0] for line in text.splitlines()]


def test_a_run_stored_for_adam_is_not_put_under_an_sgd_header(tmp_path):
    adam = sweep_from_text("adam", ["lr=0.01,0.1"], {}, CONFIG)
    sgd = sweep_from_text("sgd", ["lr=0.01,0.1"], {}, CONFIG)
    store = RunStore(tmp_path / "t.runs")
    run_sweep(adam, store=store)
    for a, s in zip(tasks(adam), tasks(sgd)):          # adam's runs under the names of sgd's
        os.replace(store.path(a), store.path(s))
    counting = Counting()
    result = run_sweep(sgd, executor=counting, store=store)
    assert len(counting.trained) == 2 and len(result.rejected) == 2
    lines = table_text(result).splitlines()
    assert all(len(line.split(",")) == len(lines[0].split(",")) for line in lines)
    assert all(line.startswith("sgd,") for line in lines[1:])


def test_a_tampered_resume_folder_is_one_note_and_a_whole_table(cli, tmp_path):
    args = ["sweep", "--grid", "lr=0.5,1", *SMALL[:-1], "--workers", "1", "--table", tmp_path / "t.csv"]
    assert cli(*args).code == 0
    first = (tmp_path / "t.csv").read_text()
    for name in os.listdir(tmp_path / "t.runs"):
        _rewrite(tmp_path / "t.runs" / name, lambda m: m.update(frame_loss=np.zeros(9, np.float32)))
    outcome = cli(*args)
    assert outcome.code == 0 and "Traceback" not in outcome.err, outcome
    notes = [line for line in outcome.err.splitlines() if "did not verify" in line]
    assert len(notes) == 1 and "2 stored runs" in notes[0], outcome.err
    assert _without_seconds((tmp_path / "t.csv").read_text()) == _without_seconds(first)


def _npz_bomb(path, blocks):
    """An .npz whose grid_probs.npy is ``blocks`` x 16 MiB of zeros, deflated (about 16 kB a block), made quickly.

    After a full flush a deflate stream starts afresh, so every 16 MiB of zeros
    compresses to the same bytes: one block is compressed and repeated, and
    the zip's headers (written here) give the member's true CRC and sizes.
    """
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "|u1", "fortran_order": False,
                                                  "shape": (blocks << 24,)})
    header, zeros = header.getvalue(), bytes(1 << 24)
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    start = compressor.compress(header) + compressor.flush(zlib.Z_FULL_FLUSH)
    block = compressor.compress(zeros) + compressor.flush(zlib.Z_FULL_FLUSH)
    data = start + block * blocks + compressor.flush()
    crc = zlib.crc32(header)
    for _ in range(blocks):
        crc = zlib.crc32(zeros, crc)
    name, size = b"grid_probs.npy", len(header) + (blocks << 24)
    fields = (8, 0, 0x21, crc, len(data), size, len(name))       # deflated, 00:00 1 Jan 1980, CRC, sizes
    local = struct.pack("<4s2H", b"PK\x03\x04", 20, 0) + struct.pack("<3H3LH", *fields) + b"\0\0" + name
    central = (struct.pack("<4s3H", b"PK\x01\x02", 20, 20, 0) + struct.pack("<3H3LH", *fields)
               + bytes(16) + name)
    end = struct.pack("<4s4H2LH", b"PK\x05\x06", 0, 0, 1, 1, len(central), len(local) + len(data), 0)
    with open(path, "wb") as handle:
        handle.write(local + data + central + end)


def test_the_npz_bomb_is_the_array_it_claims_to_be(tmp_path):
    _npz_bomb(tmp_path / "bomb.npz", 2)
    with zipfile.ZipFile(tmp_path / "bomb.npz") as archive:
        assert archive.testzip() is None and archive.namelist() == ["grid_probs.npy"]
    with np.load(tmp_path / "bomb.npz") as loaded:
        probs = loaded["grid_probs"]
    assert probs.shape == (2 << 24,) and probs.dtype == np.uint8 and not probs.any()


def test_a_stored_run_bomb_is_refused_in_bounded_memory(stored):
    sweep, store, _ = stored
    task = tasks(sweep)[0]
    path = store.path(task)
    _npz_bomb(path, 64)                                   # 1 GiB of zeros: about 1 MB deflated
    assert os.path.getsize(path) < 2 << 20

    def load():
        with pytest.raises(Untrusted):
            store.load(task, 2)

    assert peak_bytes(load) < 16 << 20
    big = tmp = path + ".big"
    with open(tmp, "wb") as handle:                        # a sparse file far larger than such a run
        handle.truncate(1 << 30)
    os.replace(big, path)
    assert peak_bytes(load) < 16 << 20


# -- --save-runs never replaces what animator did not write ------------------------------------------

def test_save_runs_refuses_a_users_file_and_touches_nothing(cli, tmp_path):
    runs = tmp_path / "runs"
    runs.mkdir()
    (runs / "sgd_lr=0.5.npz").write_bytes(b"my own file")
    outcome = cli("sweep", "--grid", "lr=0.5,1", *SMALL, "--workers", "1", "--table", tmp_path / "t.csv",
                  "--save-runs", runs)
    assert _one_line(outcome) and "sgd_lr=0.5.npz: exists and is not a Recording animator saved here" in outcome.err
    assert sorted(os.listdir(runs)) == ["sgd_lr=0.5.npz"] and (runs / "sgd_lr=0.5.npz").read_bytes() == b"my own file"
    assert not (tmp_path / "t.csv").exists()


def test_stale_saved_runs_of_an_earlier_sweep_are_replaced_not_passed_off(cli, tmp_path):
    runs = tmp_path / "runs"
    base = ["sweep", "--grid", "lr=0.5,1", "--frames", "3", "--resolution", "8", "-q", "--workers", "1",
            "--table", tmp_path / "t.csv", "--save-runs", runs]
    assert cli(*base, "--epochs", "20").code == 0
    assert Recording.load(runs / "sgd_lr=1.0.npz").spec.epochs == 20
    outcome = cli(*base, "--epochs", "60")
    assert outcome.code == 0, outcome
    for name in ("sgd_lr=0.5.npz", "sgd_lr=1.0.npz"):
        assert Recording.load(runs / name).spec.epochs == 60, name
    # the same 60-epoch command again resumes: the saved Recordings are this sweep's and stay as they are
    before = {name: (runs / name).read_bytes() for name in os.listdir(runs)}
    assert cli(*base, "--epochs", "60").code == 0
    assert {name: (runs / name).read_bytes() for name in os.listdir(runs)} == before


def test_a_saved_run_whose_marker_entry_is_stale_trains_again(tmp_path):
    sweep = _sweep()
    folder, store = RecordingFolder(tmp_path / "runs"), RunStore(tmp_path / "t.runs")
    run_sweep(sweep, store=store, save_runs=folder)
    first = tasks(sweep, keep_recordings=True)[0]
    assert folder.has(sweep, first)
    marker = tmp_path / "runs" / ".animator-runs"
    marker.write_text(marker.read_text().replace(run_key(first), "0" * 24))
    counting = Counting()
    run_sweep(sweep, executor=counting, store=store, save_runs=folder)
    assert counting.trained == [first.cell] and folder.has(sweep, first)


def test_a_symlink_where_a_saved_run_goes_is_refused(tmp_path):
    sweep = _sweep()
    runs = tmp_path / "runs"
    runs.mkdir()
    (tmp_path / "precious.txt").write_text("keep")
    os.symlink(tmp_path / "precious.txt", runs / "sgd_lr=0.5.npz")
    with pytest.raises(UserError, match="is not a Recording animator saved here"):
        run_sweep(sweep, save_runs=RecordingFolder(runs))
    assert (tmp_path / "precious.txt").read_text() == "keep"


# -- memory for all workers together --------------------------------------------------------------------

def test_the_memory_check_counts_every_worker(cli, tmp_path, monkeypatch):
    from animator.run import estimate_bytes

    sweep = sweep_from_text("sgd", ["lr=0.1,0.2,0.3,0.4"], {}, CONFIG)
    per_run = sum(estimate_bytes(sweep.run_config((0,))).values())
    monkeypatch.setattr("animator.run.memory_limit", lambda: int(per_run * 2.5))
    monkeypatch.setattr("animator.sweep_plan.memory_limit", lambda: int(per_run * 2.5))
    outcome = cli("sweep", "--grid", "lr=0.1,0.2,0.3,0.4", *SMALL, "--workers", "4", "--table", tmp_path / "t.csv")
    assert _one_line(outcome) and "--workers 4 would train 4 runs at once" in outcome.err, outcome
    assert os.listdir(tmp_path) == []
    assert cli("sweep", "--grid", "lr=0.1,0.2,0.3,0.4", *SMALL, "--workers", "2",
               "--table", tmp_path / "t.csv").code == 0


# -- the cluster boundary ------------------------------------------------------------------------------

@contextlib.contextmanager
def _silent_server(speak=None):
    """A TCP port that accepts connections and never says a word (or ``speak``, which is not Dask).

    Its thread is stopped and joined on exit: a thread left blocked in accept() would make later tests'
    processes look threaded (and pools spawn rather than fork).
    """
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.1)
    held, stop = [], threading.Event()

    def accept():
        while not stop.is_set():
            try:
                connection, _ = server.accept()
            except socket.timeout:
                continue
            except OSError:
                return
            held.append(connection)
            if speak:
                connection.sendall(speak)

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        stop.set()
        thread.join()
        server.close()
        for connection in held:
            connection.close()


@needs_dask
@pytest.mark.parametrize("speak", [None, b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi"])
def test_a_peer_that_does_not_speak_dask_is_one_line_within_seconds(tmp_path, speak):
    with _silent_server(speak) as server:
        address = "tcp://127.0.0.1:%d" % server.getsockname()[1]
        completed = subprocess.run([sys.executable, "-m", "animator_app", "sweep", "--grid", "lr=1,2", *SMALL,
                                    "--scheduler", address, "--table", "t.csv"], cwd=tmp_path,
                                   capture_output=True, text=True, timeout=60)      # a hang fails here
    assert completed.returncode == 2 and completed.stderr.count("\n") == 1, completed.stderr
    assert f"cannot reach a Dask scheduler at {address} within 3 s" in completed.stderr
    assert "Exception ignored" not in completed.stderr and os.listdir(tmp_path) == []


ROGUE = '''
"""A rogue Dask worker (a --preload module): it answers every run with a pickle that writes a file."""
import os

MARKER = {marker!r}
MODE = {mode!r}


class Evil(Exception):
    def __reduce__(self):
        # runs in whichever process unpickles it, and names that process
        return (eval, ("open(%r + '.' + str(__import__('os').getpid()), 'w')" % MARKER,))


def _evil_task(*args, **kwargs):
    if MODE == "raise":
        raise Evil()
    return Evil()


def dask_setup(worker):
    import animator.dask_cluster
    import distributed.protocol.core as core

    animator.dask_cluster._packed = _evil_task
    original = core.serialize_and_split

    def pickled(x, serializers=None, **kwargs):          # whatever the client asked for
        return original(x, serializers=("pickle",), **kwargs)

    core.serialize_and_split = pickled
'''


def _start(command, tmp_path, name):
    log = open(tmp_path / f"{name}.log", "wb")
    return subprocess.Popen(command, cwd=tmp_path, stdout=log, stderr=subprocess.STDOUT)


@needs_dask
@pytest.mark.parametrize("mode", ["result", "raise"])
def test_a_rogue_worker_runs_nothing_on_the_sweep_client(tmp_path, mode):
    marker = str(tmp_path / "ran")
    (tmp_path / "rogue.py").write_text(ROGUE.format(marker=marker, mode=mode))
    scheduler_file = tmp_path / "scheduler.json"
    dask = [sys.executable, "-m", "dask"]
    processes = [_start([*dask, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                         "--scheduler-file", str(scheduler_file)], tmp_path, "scheduler")]
    try:
        deadline = time.monotonic() + 60
        while not scheduler_file.exists():
            assert time.monotonic() < deadline
            time.sleep(0.1)
        time.sleep(0.2)
        processes.append(_start([*dask, "worker", "--scheduler-file", str(scheduler_file), "--nthreads", "1",
                                 "--no-nanny", "--no-dashboard", "--host", "127.0.0.1",
                                 "--preload", str(tmp_path / "rogue.py")], tmp_path, "worker"))
        address = json.loads(scheduler_file.read_text())["address"]
        out = tmp_path / "out"
        out.mkdir()
        sweep = subprocess.Popen([sys.executable, "-m", "animator_app", "sweep", "--grid", "lr=1,2", *SMALL,
                                  "--scheduler", address, "--table", "t.csv"], cwd=out,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        _, err = sweep.communicate(timeout=90)
    finally:
        for process in reversed(processes):           # the worker, then the scheduler
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
    assert not os.path.exists(f"{marker}.{sweep.pid}"), "the rogue worker's pickle ran on the client"
    assert sweep.returncode == 2 and err.count("\n") == 1 and "Traceback" not in err, err
    assert "pickle" in err and not (out / "t.csv").exists()
    assert os.listdir(out) == []


TLS_SWEEP = """
import sys
from distributed import LocalCluster, Security
from animator_app.cli import main

if __name__ == "__main__":
    folder = sys.argv[1]
    security = Security(tls_ca_file=folder + "/ca.pem", tls_scheduler_cert=folder + "/cert.pem",
                        tls_scheduler_key=folder + "/key.pem", tls_worker_cert=folder + "/cert.pem",
                        tls_worker_key=folder + "/key.pem", tls_client_cert=folder + "/cert.pem",
                        tls_client_key=folder + "/key.pem", require_encryption=True)
    with LocalCluster(n_workers=1, threads_per_worker=1, processes=False, dashboard_address=None,
                      protocol="tls://", host="127.0.0.1", security=security) as cluster:
        assert cluster.scheduler_address.startswith("tls://")
        code = main(sys.argv[2:] + ["--scheduler", cluster.scheduler_address])
    sys.exit(code)
"""


@needs_dask
def test_a_tls_scheduler_works_with_dasks_own_certificate_settings(tmp_path):
    pytest.importorskip("cryptography")
    from distributed import Security

    temporary = Security.temporary()
    (tmp_path / "ca.pem").write_text(temporary.tls_ca_file)
    (tmp_path / "cert.pem").write_text(temporary.tls_client_cert)
    (tmp_path / "key.pem").write_text(temporary.tls_client_key)
    (tmp_path / "tls_sweep.py").write_text(TLS_SWEEP)
    env = {**os.environ, "DASK_DISTRIBUTED__COMM__TLS__CA_FILE": str(tmp_path / "ca.pem"),
           "DASK_DISTRIBUTED__COMM__TLS__CLIENT__CERT": str(tmp_path / "cert.pem"),
           "DASK_DISTRIBUTED__COMM__TLS__CLIENT__KEY": str(tmp_path / "key.pem")}
    command = [sys.executable, str(tmp_path / "tls_sweep.py"), str(tmp_path), "sweep", "--grid", "lr=0.5,1",
               *SMALL, "--table", "t.csv"]
    completed = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120, env=env)
    assert completed.returncode == 0, completed.stderr
    assert len((tmp_path / "t.csv").read_text().splitlines()) == 3
    # without the certificate authority the client does not trust the scheduler: one line
    plain = {k: v for k, v in env.items() if not k.startswith("DASK_DISTRIBUTED__COMM__TLS__")}
    command[-1] = "u.csv"                  # a new resume folder too: the runs must come from the cluster
    refused = subprocess.run(command, cwd=tmp_path, capture_output=True, text=True, timeout=120, env=plain)
    assert refused.returncode == 2 and "cannot reach a Dask scheduler at tls://" in refused.stderr, refused.stderr
    assert refused.stderr.count("animator") == 1 and not (tmp_path / "u.csv").exists()

"""SIGTERM mid-render ends like Ctrl-C (status 143, nothing left behind); SIGKILL still takes the workers along;
a frame worker that is killed makes the render a one-line error, not a hang.

Each test runs the real command in its own process and checks outcomes, not
timings: the exit status, the folder's contents, and that no process of the
run (frame workers, ffmpeg) outlives it.
"""

import os
import signal
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="uses /proc")


@pytest.fixture(scope="module")
def run_file(tmp_path_factory):
    folder = tmp_path_factory.mktemp("recording")
    subprocess.run([sys.executable, "-m", "animator_app", "train", "--epochs", "300", "--frames", "200",
                    "-o", str(folder / "RUN.npz"), "-q"], check=True, timeout=300)
    return folder / "RUN.npz"


def processes_of(run_dir, parent):
    """Pids of live processes whose parent was ``parent``, or that run in ``run_dir`` or mention it."""
    found = []
    needle = os.fsencode(str(run_dir))
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry}/stat", "rb") as handle:
                stat = handle.read()
            with open(f"/proc/{entry}/cmdline", "rb") as handle:
                cmdline = handle.read()
            cwd = os.readlink(f"/proc/{entry}/cwd")
        except OSError:
            continue
        fields = stat[stat.rindex(b")") + 2:].split()
        state, ppid = fields[0], int(fields[1])
        if state == b"Z":
            continue
        if ppid == parent or needle in cmdline or cwd == str(run_dir):
            found.append(int(entry))
    return found


def wait_until(condition, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def everything_under(folder):
    return sorted(os.path.relpath(os.path.join(root, name), folder)
                  for root, dirs, files in os.walk(folder) for name in dirs + files)


def start_render(run_file, tmp_path, target):
    """The command rendering ``run_file`` to ``tmp_path / target``, once it has begun writing."""
    os.link(run_file, tmp_path / "RUN.npz")
    process = subprocess.Popen([sys.executable, "-m", "animator_app", "render", tmp_path / "RUN.npz",
                                "-o", f"{tmp_path}/{target}",
                                "--workers", "2", "-q"], cwd=tmp_path, stdout=subprocess.PIPE,
                               stderr=subprocess.PIPE, text=True)
    started = wait_until(lambda: everything_under(tmp_path) != ["RUN.npz"] or process.poll() is not None, 60)
    assert started and process.poll() is None, process.communicate()
    time.sleep(0.5)          # well into the frames
    assert process.poll() is None, "the render finished before the signal; make it longer"
    return process


@pytest.mark.parametrize("target", ["x.gif", "x.mp4", "x.html", "frames/"])
def test_sigterm_mid_render_stops_cleanly(run_file, tmp_path, target):
    process = start_render(run_file, tmp_path, target)
    process.send_signal(signal.SIGTERM)
    out, err = process.communicate(timeout=30)
    assert process.returncode == 143, (process.returncode, err)
    assert "Traceback" not in err and err.strip() == "animator: interrupted", err
    assert everything_under(tmp_path) == ["RUN.npz"]          # no output, no .part, no temporary video
    assert wait_until(lambda: not processes_of(tmp_path, process.pid), 5), processes_of(tmp_path, process.pid)


@pytest.mark.parametrize("target", ["x.gif", "x.mp4"])
def test_workers_die_with_a_killed_parent(run_file, tmp_path, target):
    process = start_render(run_file, tmp_path, target)
    workers = [pid for pid in processes_of(tmp_path, process.pid) if pid != process.pid]
    assert len(workers) >= 2, workers        # two frame workers (and ffmpeg for an MP4)
    process.kill()
    process.communicate(timeout=30)
    assert wait_until(lambda: not processes_of(tmp_path, process.pid), 5), processes_of(tmp_path, process.pid)


@pytest.mark.parametrize("command", [
    ["compare", "sgd", "adam", "--epochs", "1000000", "--frames", "5", "--grid", "8", "-o", "race.gif"],
    ["book", "-o", "book", "--epochs", "3000", "--frames", "4", "--size", "640x360", "--jobs", "2"],
    ["landscape", "sgd", "adam", "--epochs", "1000000", "--frames", "5", "--resolution", "8", "-o", "land.gif"],
])
def test_sigterm_while_training_a_race_or_the_book_stops_every_worker(tmp_path, command):
    races = command[0] in ("compare", "landscape")
    process = subprocess.Popen([sys.executable, "-m", "animator_app", *command,
                                *(["--workers", "2"] if races else ["-q"])],
                               cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert wait_until(lambda: len(processes_of(tmp_path, process.pid)) >= 3, 60), "the workers never started"
    time.sleep(1.0)
    process.send_signal(signal.SIGTERM)
    stdout, stderr = process.communicate(timeout=60)
    assert process.returncode == 143, stderr
    assert "Traceback" not in stderr and "BrokenPipeError" not in stderr, stderr
    assert wait_until(lambda: processes_of(tmp_path, process.pid) == [], 5), processes_of(tmp_path, process.pid)
    assert not [p for p in everything_under(tmp_path) if p.endswith(".part")]
    if races:
        assert everything_under(tmp_path) == []


def test_a_frame_worker_killed_mid_render_is_a_one_line_error_not_a_hang(run_file, tmp_path):
    process = start_render(run_file, tmp_path, "x.gif")
    workers = [pid for pid in processes_of(tmp_path, process.pid) if pid != process.pid]
    assert len(workers) >= 2, workers
    os.kill(workers[0], signal.SIGKILL)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 1, err
    assert "frame worker" in err and "died" in err and "Traceback" not in err, err
    assert everything_under(tmp_path) == ["RUN.npz"]          # no output, no .part
    assert wait_until(lambda: not processes_of(tmp_path, process.pid), 5), processes_of(tmp_path, process.pid)

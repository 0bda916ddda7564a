"""Estimates before work: memory for every frame worker together, bytes and time for players and frames folders.

The machine is shrunk with monkeypatch (its memory budget, the parent's memory,
its cores, the disk's free space) rather than filled; training is made to fail
loudly, so a refusal that came after it would show.  Messages never name our
temporaries.
"""

import os
import re

import pytest

import animator_app.scenes
from animator.errors import ArgumentError, UserError
from animator.fileio import atomic_output
from renderers import write_animation
from renderers.writers import estimate as estimates
from renderers.writers.budget import Spill
from renderers.writers.html import HtmlWriter
from renderers.writers.frames_folder import PngSequenceWriter

from frame_sources import Stripes

MB, GIB = 10 ** 6, 1 << 30
SMALL = ["--epochs", "20", "--frames", "3", "--size", "480x270", "--print-every", "0"]


@pytest.fixture
def machine(monkeypatch):
    """A machine of 2 cores, 1 GiB for a render, a parent holding 100 MB and 10 GB free on disk; tests change it."""
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    monkeypatch.setattr(estimates, "memory_budget", lambda: GIB)
    monkeypatch.setattr(estimates, "resident_bytes", lambda: 100 * MB)
    monkeypatch.setattr(estimates, "disk_free", lambda path: 10 * 10 ** 9)
    return monkeypatch


@pytest.fixture
def no_training(monkeypatch):
    """Training fails the test: a check that must come before it did not."""

    def train(*args, **kwargs):
        raise AssertionError("trained before refusing")

    monkeypatch.setattr(animator_app.scenes, "train", train)


def gib_numbers(message):
    return [float(value) for value in re.findall(r"([\d.]+) GiB", message)]


def one_line(result):
    assert result.code == 2, result
    assert result.err.count("\n") == 1 and result.err.startswith("animator: error: "), result
    assert "Traceback" not in result.err
    return result.err.strip()


# -- memory, every worker together ---------------------------------------------------------------

def test_memory_grows_with_every_worker(machine):
    one = estimates.estimate_render(HtmlWriter, "a.html", size=(3840, 2160), frames=100, workers=1)
    two = estimates.estimate_render(HtmlWriter, "a.html", size=(3840, 2160), frames=100, workers=2)
    pixels = 3840 * 2160
    assert two.workers == 2 and one.workers == 1
    # a worker's own pictures, times the workers, plus the parent's: hundreds of MB a worker at 4K
    assert two.memory - 100 * MB > 2 * estimates.WORKER_PER_PIXEL * pixels
    assert 200 * MB < (two.memory - one.memory) < 1 * GIB


def test_too_many_workers_for_the_memory_are_refused_naming_what_fits(cli, machine, no_training, tmp_path):
    machine.setattr(estimates, "memory_budget", lambda: 900 * MB)   # 1 worker at 4K fits, 2 do not
    target = tmp_path / "run.gif"
    message = one_line(cli("train", *SMALL[:4], "--size", "3840x2160", "--workers", "2", "-o", target))
    assert message.startswith("animator: error: --workers 2: 2 frame workers at 3840x2160 would need about ")
    assert message.endswith("1 would fit")
    need, limit = gib_numbers(message)
    assert need > limit == pytest.approx(900 * MB / GIB, abs=0.05)
    assert 0.9 < need < 2.0        # two 4K workers and a parent: about a gigabyte, not 200
    assert not os.listdir(tmp_path)


def test_a_size_no_worker_count_can_draw_is_refused(cli, machine, no_training, tmp_path):
    machine.setattr(estimates, "memory_budget", lambda: 500 * MB)
    message = one_line(cli("train", *SMALL[:4], "--size", "7680x4320", "-o", tmp_path / "run.mp4"))
    assert message.startswith("animator: error: --size 7680x4320 would need about ")
    assert "more than the 0.5 GiB a render may use" in message
    assert gib_numbers(message)[0] > 2      # a 33-megapixel frame drawn in this process
    assert not os.listdir(tmp_path)


def test_workers_beyond_the_cores_are_lowered_with_a_note(cli, machine, tmp_path):
    estimate = estimates.estimate_render(HtmlWriter, "a.html", size=(7680, 4320), frames=200, workers=200)
    assert estimate.workers == 2 and estimate.asked == 200
    assert estimate.memory < 8 * GIB          # two workers' worth, not two hundred
    machine.setattr(estimates, "memory_budget", lambda: 8 * GIB)
    result = cli("train", *SMALL, "--workers", "200", "-o", tmp_path / "run.gif")
    assert result.code == 0, result
    assert "--workers 200: drawing with 2, one per core" in result.err
    assert (tmp_path / "run.gif").exists()


def test_unasked_workers_are_as_many_as_fit(machine):
    machine.setattr(os, "cpu_count", lambda: 8)
    machine.setattr(estimates, "memory_budget", lambda: 900 * MB)
    estimate = estimates.check_estimate(estimates.estimate_render(HtmlWriter, "a.html", size=(3840, 2160), frames=100),
                                     "a.html", HtmlWriter)
    assert estimate.workers == 1 and estimate.memory <= 900 * MB


def test_the_library_checks_too(machine, tmp_path):
    machine.setattr(estimates, "memory_budget", lambda: 100 * MB)     # the parent alone fills it
    with pytest.raises(ArgumentError) as error:
        write_animation(Stripes(20), tmp_path / "s.gif", workers=2)
    assert error.value.argument == "size" and "\n" not in str(error.value)
    assert not os.listdir(tmp_path)


# -- bytes and time of players and frames folders --------------------------------------------------

def test_a_player_bigger_than_the_disk_is_refused_before_training(cli, machine, no_training, tmp_path):
    machine.setattr(estimates, "disk_free", lambda path: 100 * 1000)
    message = one_line(cli("train", "--epochs", "1000", "--frames", "500", "--size", "1920x1080",
                           "-o", tmp_path / "page.html"))
    found = re.search(r"page\.html: 500 frames at 1920x1080 would make about ([\d.]+) MB, more than the "
                      r"100 kB free on its disk", message)
    assert found, message
    assert 1 < float(found.group(1)) < 50        # a few kB a frame
    assert not os.listdir(tmp_path)


def test_a_player_no_browser_can_hold_is_refused(machine):
    machine.setattr(estimates, "memory_budget", lambda: 64 * GIB)
    estimate = estimates.estimate_render(HtmlWriter, "a.html", size=(7680, 4320), frames=20000)
    with pytest.raises(UserError, match=r"a\.html: 20000 frames at 7680x4320 would make about [\d.]+ MB, "
                                        r"more than the 500 MB an output of kind html can hold"):
        estimates.check_estimate(estimate, "a.html", HtmlWriter)


def test_a_frames_folder_that_would_take_hours_is_refused_before_training(cli, machine, no_training, tmp_path):
    machine.setattr(estimates, "disk_free", lambda path: 10 ** 15)
    message = one_line(cli("train", "--epochs", "100000", "--frames", "100000", "--size", "3840x2160",
                           "-o", f"{tmp_path / 'frames'}/"))
    found = re.search(r"100000 frames at 3840x2160 would take about ([\d.]+) hours to draw and write, more than "
                      r"the 60 minutes a render may take", message)
    assert found, message
    assert 2 < float(found.group(1)) < 50
    assert not os.listdir(tmp_path)


def test_a_render_of_a_recording_is_estimated_before_drawing(cli, machine, tmp_path):
    recording = tmp_path / "run.npz"
    assert cli("train", "--epochs", "300", "--frames", "300", "--print-every", "0", "-o", recording).code == 0
    machine.setattr(estimates, "disk_free", lambda path: 1000)
    message = one_line(cli("render", recording, "-o", f"{tmp_path / 'frames'}/"))
    assert "frames/: 300 frames at 960x540 would make about" in message
    assert sorted(os.listdir(tmp_path)) == ["run.npz"]


def test_estimates_are_near_what_is_written(cli, tmp_path):
    """The byte models are within a factor of three of real files of the chapter's training layout."""
    for name, writer in (("page.html", HtmlWriter), ("frames/", PngSequenceWriter)):
        target = tmp_path / name
        assert cli("train", "--epochs", "200", "--frames", "12", "--size", "480x270", "--print-every", "0",
                   "-q", "-o", target if name.endswith("html") else f"{target}/").code == 0
        written = (target.stat().st_size if target.is_file()
                   else sum(entry.stat().st_size for entry in target.iterdir()))
        estimate = estimates.estimate_render(writer, target, size=(480, 270), frames=12)
        assert estimate.bytes / 3 < written < estimate.bytes * 3, (name, written, estimate)


# -- messages name the user's target, never our temporaries -----------------------------------------

def test_a_failed_move_names_the_target(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli("train", *SMALL, "-q", "-o", "made/").code == 0
    (tmp_path / "new").write_text("mine")
    result = cli("reproduce", "made/", "-o", "new/", "-q")
    message = one_line(result)
    assert message == "animator: error: new: Not a directory"
    assert (tmp_path / "new").read_text() == "mine"
    assert not [name for name in os.listdir(tmp_path) if name.startswith(".")]


def test_atomic_output_names_the_target_not_its_part_file(tmp_path):
    target = tmp_path / "x.gif"
    with pytest.raises(UserError) as error:
        with atomic_output(target) as temporary:
            raise PermissionError(13, "Permission denied", temporary)
    assert str(error.value) == f"{target}: cannot write (Permission denied)"
    assert not os.listdir(tmp_path)


def test_a_spill_that_cannot_be_written_names_the_target(tmp_path):
    with Spill(str(tmp_path), "x.gif") as spill:
        spill._file.close()
        spill._file = open(os.devnull, "rb")      # writes now fail as a full disk would, with an OSError
        with pytest.raises(UserError) as error:
            spill.append(Stripes().frame(0))
    assert str(error.value).startswith(f"{os.path.join(str(tmp_path), 'x.gif')}: cannot write (")
    assert ".spill" not in str(error.value)

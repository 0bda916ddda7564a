"""--max-bytes: the file fits, the reduction is reported, an impossible budget leaves nothing, sizes parse."""

import os

import numpy as np
import pytest
from PIL import Image

from animator.errors import ArgumentError
from animator_app.commands.options import byte_size as _byte_size
from renderers import write_animation
from renderers.writers import encode_metadata, format_bytes, read_metadata
from renderers.writers.metadata import gif_comment
from renderers.writers.budget import Spill
from renderers.writers.budget import kept_frames
from renderers.writers.registry import formats

TRAIN = ["train", "--epochs", "300", "--frames", "24", "--size", "480x270", "--print-every", "0"]


class Waves:
    """A frame source with soft gradients that move, so a GIF or MP4 of it has something to reduce."""

    size = (160, 90)

    def __init__(self, count=24):
        self.epochs = np.arange(count) * 5

    def __len__(self):
        return len(self.epochs)

    def frame(self, index):
        y, x = np.mgrid[0:90, 0:160].astype(np.float64)
        phase = index / len(self) * 2 * np.pi
        red = 127 + 120 * np.sin(x / 13 + phase)
        green = 127 + 120 * np.cos(y / 9 - phase)
        blue = 127 + 120 * np.sin((x + y) / 21 + 2 * phase)
        image = np.stack([red, green, blue], axis=2).astype(np.uint8)
        image[40:50, 10 + 5 * index:20 + 5 * index] = (0, 0, 0)
        return image

    def colours(self):
        return np.array([[0, 0, 0]], dtype=np.uint8)


def gif_frames(path):
    """Frames, their durations (ms) and the size of a GIF, read back."""
    with Image.open(path) as gif:
        durations = []
        for i in range(gif.n_frames):
            gif.seek(i)
            durations.append(gif.info["duration"])
        return gif.n_frames, durations, gif.size


def mp4_size(path):
    import imageio_ffmpeg

    reader = imageio_ffmpeg.read_frames(str(path))
    meta = next(reader)
    reader.close()
    return tuple(meta["size"])


def leftovers(folder, *keep):
    return sorted(name for name in os.listdir(folder) if name not in keep)


# -- sizes on the command line --------------------------------------------------------------------

@pytest.mark.parametrize("text, value", [
    ("5MB", 5_000_000), ("500kB", 500_000), ("500KB", 500_000), ("2.5MiB", 2_621_440), ("800000", 800_000),
    ("1.5 GB", 1_500_000_000), ("64KiB", 65_536), ("3M", 3_000_000), ("100B", 100),
])
def test_sizes_parse_in_decimal_and_binary_units(text, value):
    assert _byte_size(text) == value


@pytest.mark.parametrize("text", ["5XB", "MB", "", "-5MB", "0", "0.1", "5 M B", "1e6", "five"])
def test_unparseable_and_empty_budgets_are_one_line_errors_before_training(cli, tmp_path, text):
    result = cli(*TRAIN, "--max-bytes", text, "-o", tmp_path / "a.gif")
    assert result.code == 2 and result.out == ""                       # no epoch line: nothing trained
    assert result.err.startswith("animator: error: argument --max-bytes:") and result.err.count("\n") == 1
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("output", ["a.png", "a.html", "frames/"])
def test_a_budget_is_for_the_formats_that_can_meet_one(cli, tmp_path, output):
    result = cli(*TRAIN, "--max-bytes", "1MB", "-o", f"{tmp_path}/{output}")
    assert result.code == 2 and result.out == "" and result.err.count("\n") == 1
    fitted = [writer.KIND.upper() for writer in formats() if writer.FIT is not None]
    assert {"GIF", "MP4"} <= set(fitted)
    assert f"--max-bytes is for {', '.join(fitted[:-1])} and {fitted[-1]} outputs" in result.err
    assert os.listdir(tmp_path) == []


def test_a_budget_needs_an_animation(cli, tmp_path):
    result = cli(*TRAIN, "--max-bytes", "1MB", "-o", tmp_path / "run.npz")
    assert result.code == 2 and "--max-bytes needs -o with an animation" in result.err
    assert cli("descent", "--max-bytes", "1MB").code == 2


@pytest.mark.parametrize("command", ["train", "render", "compare", "descent", "race2d", "book"])
def test_the_help_says_which_units_are_decimal(command):
    from animator_app.cli import build_parser

    text = " ".join(build_parser()._subparsers._group_actions[0].choices[command].format_help().split())
    assert "--max-bytes SIZE" in text and "kB, MB, GB are decimal, 10^3, 10^6, 10^9 bytes" in text
    assert "KiB, MiB, GiB binary, 2^10, 2^20, 2^30" in text and "--poster" in text


# -- fitting, through the command line ---------------------------------------------------------------

@pytest.mark.parametrize("extension, reduced", [(".gif", "frames"), (".mp4", "CRF 18 -> ")])
def test_the_file_fits_and_the_reduction_is_reported(cli, tmp_path, extension, reduced):
    full = tmp_path / f"full{extension}"
    assert cli(*TRAIN, "-q", "-o", full).code == 0
    budget = int(full.stat().st_size * 0.6)
    fitted = tmp_path / f"fit{extension}"
    result = cli(*TRAIN, "--max-bytes", str(budget), "-o", fitted)
    assert result.code == 0, result
    assert fitted.stat().st_size <= budget
    line = next(line for line in result.err.splitlines() if line.startswith("fit "))
    assert f"under {format_bytes(budget)}: " in line and reduced in line
    assert leftovers(tmp_path) == sorted([full.name, fitted.name])     # no attempt, spill or part file left
    if extension == ".gif":
        frames, durations, size = gif_frames(fitted)
        full_frames, full_durations, full_size = gif_frames(full)
        assert f"{full_frames} -> {frames} frames" in line and frames < full_frames
        assert sum(durations) == sum(full_durations)                   # dropped frames keep the length
    else:
        assert mp4_size(fitted) == (480, 270) or "pixels" in line


def test_a_budget_already_met_changes_nothing(cli, tmp_path):
    assert cli(*TRAIN, "-q", "-o", tmp_path / "plain.gif").code == 0
    result = cli(*TRAIN, "--max-bytes", "5MB", "-o", tmp_path / "budget.gif")
    assert result.code == 0 and "nothing reduced" in result.err

    def without_description(path):                   # the command line in it differs, nothing else
        return path.read_bytes().replace(gif_comment(encode_metadata(read_metadata(path))), b"")

    assert without_description(tmp_path / "plain.gif") == without_description(tmp_path / "budget.gif")


@pytest.mark.parametrize("extension", [".gif", ".mp4"])
def test_an_impossible_budget_is_one_line_exit_2_and_no_file(cli, tmp_path, extension):
    result = cli(*TRAIN, "--max-bytes", "1kB", "-o", tmp_path / f"small{extension}")
    assert result.code == 2, result
    assert result.err.startswith("animator: error: --max-bytes 1 kB cannot be met for")
    assert result.err.count("\n") == 1 and "the smallest version tried" in result.err
    assert os.listdir(tmp_path) == []


def test_an_impossible_budget_leaves_an_earlier_file_as_it_was(cli, tmp_path):
    target = tmp_path / "keep.gif"
    target.write_bytes(b"an earlier animation")
    assert cli(*TRAIN, "--max-bytes", "1kB", "-o", target).code == 2
    assert target.read_bytes() == b"an earlier animation" and os.listdir(tmp_path) == ["keep.gif"]


def test_the_same_budgeted_command_gives_the_same_bytes(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for folder in ("one", "two"):
        os.mkdir(folder)
        monkeypatch.chdir(tmp_path / folder)
        assert cli(*TRAIN, "-q", "--max-bytes", "40kB", "-o", "fit.gif").code == 0
        monkeypatch.chdir(tmp_path)
    assert (tmp_path / "one" / "fit.gif").read_bytes() == (tmp_path / "two" / "fit.gif").read_bytes()


# -- fitting, through the library ------------------------------------------------------------------

def test_the_library_returns_what_was_reduced_and_the_file_agrees(tmp_path):
    full = write_animation(Waves(), tmp_path / "full.gif", fps=10, hold=0, workers=1)
    assert full.fit is None
    budget = int((tmp_path / "full.gif").stat().st_size * 0.4)
    animation = write_animation(Waves(), tmp_path / "fit.gif", fps=10, hold=0, workers=1, max_bytes=budget)
    fit = animation.fit
    assert fit.bytes == (tmp_path / "fit.gif").stat().st_size <= budget == fit.budget
    assert fit.original_bytes == (tmp_path / "full.gif").stat().st_size and fit.reduced
    frames, durations, size = gif_frames(tmp_path / "fit.gif")
    assert (frames, size) == (animation.frames, animation.size) == (fit.frames, fit.size)
    assert sum(durations) == 24 * 100                                  # 24 frames at 10 fps, kept
    names = [name for name, _, _ in fit.reductions]
    assert names[0] == "frames" and names == [n for n in ("frames", "colours", "size") if n in names]
    assert fit.attempts >= 2 and repr(fit).startswith("<Fit ")


def test_an_mp4_gets_a_higher_crf_before_it_shrinks(tmp_path):
    write_animation(Waves(), tmp_path / "full.mp4", fps=10, hold=0, workers=1)
    size = (tmp_path / "full.mp4").stat().st_size
    mild = write_animation(Waves(), tmp_path / "mild.mp4", fps=10, hold=0, workers=1, max_bytes=int(size * 0.7))
    assert [name for name, _, _ in mild.fit.reductions] == ["crf"] and mild.fit.reductions[0][1] == 18
    assert mp4_size(tmp_path / "mild.mp4") == (160, 90)
    hard = write_animation(Waves(), tmp_path / "hard.mp4", fps=10, hold=0, workers=1, max_bytes=int(size * 0.3))
    assert dict((n, after) for n, _, after in hard.fit.reductions)["crf"] == 28
    assert mp4_size(tmp_path / "hard.mp4") == hard.size and hard.size[0] < 160
    assert (tmp_path / "hard.mp4").stat().st_size <= int(size * 0.3)


def test_an_impossible_budget_names_the_argument_and_what_was_tried(tmp_path):
    with pytest.raises(ArgumentError) as caught:
        write_animation(Waves(), tmp_path / "a.gif", fps=10, hold=0, workers=1, max_bytes=100)
    assert caught.value.argument == "max_bytes" and "size 80x45" in caught.value.problem
    assert "--" not in str(caught.value) and os.listdir(tmp_path) == []


def test_an_interrupted_fit_leaves_nothing(tmp_path, monkeypatch):
    from renderers.writers import gif

    def interrupted(self, settings, path):
        raise KeyboardInterrupt

    monkeypatch.setattr(gif.GifFit, "encode", interrupted)
    with pytest.raises(KeyboardInterrupt):
        write_animation(Waves(), tmp_path / "a.gif", fps=10, hold=0, workers=1, max_bytes=10_000)
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("output, argument", [("a.png", "max_bytes"), ("a.html", "max_bytes")])
def test_the_library_refuses_a_budget_it_cannot_meet_by_kind(tmp_path, output, argument):
    with pytest.raises(ArgumentError) as caught:
        write_animation(Waves(), tmp_path / output, max_bytes=10_000)
    assert caught.value.argument == argument and os.listdir(tmp_path) == []


@pytest.mark.parametrize("bad", [0, -5, 2.5, "5MB"])
def test_the_library_wants_a_positive_whole_number_of_bytes(tmp_path, bad):
    with pytest.raises(ArgumentError, match="positive whole number of bytes"):
        write_animation(Waves(), tmp_path / "a.gif", max_bytes=bad)


# -- the parts ---------------------------------------------------------------------------------------

def test_kept_frames_are_even_and_keep_the_ends():
    assert kept_frames(10, 4) == [0, 3, 6, 9]
    assert kept_frames(200, 100)[:3] == [0, 2, 4] and kept_frames(200, 100)[-1] == 199
    assert len(kept_frames(200, 100)) == 100 and kept_frames(5, 9) == [0, 1, 2, 3, 4]


def test_the_spill_gives_back_what_it_kept(tmp_path):
    items = [np.arange(i, i + 60, dtype=np.uint8).reshape(6, 10) for i in range(5)]
    items.append(np.zeros((4, 4, 3), dtype=np.uint8))
    with Spill(str(tmp_path), "x.gif") as spill:
        for item in items:
            spill.append(item)
        assert len(spill) == 6 and len(os.listdir(tmp_path)) == 1
        for i in (3, 0, 5):
            assert np.array_equal(spill[i], items[i]) and spill[i].dtype == items[i].dtype
    assert os.listdir(tmp_path) == []


def test_sizes_are_reported_in_decimal_units():
    assert [format_bytes(n) for n in (812, 1000, 4_823_112, 5_000_000, 2_621_440)] == [
        "812 B", "1 kB", "4.82 MB", "5 MB", "2.62 MB"]

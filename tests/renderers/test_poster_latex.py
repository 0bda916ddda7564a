"""--poster writes the chosen frame beside the animation; --latex writes the animate package's line for a frames folder."""

import os
import re

import numpy as np
import pytest
from PIL import Image

from animator.errors import ArgumentError, UserError
from animator.recording import Recording
from renderers import TrainingAnimation, write_animation
from renderers.writers import animategraphics
from renderers.writers.frames_folder import MARKER
from frame_sources import Stripes

TRAIN = ["train", "--epochs", "300", "--frames", "20", "--size", "480x270", "--print-every", "0"]
ANIMATE = re.compile(r"\\animategraphics\[([^\]]*)\]\{([^}]*)\}\{([^}]*)\}\{([^}]*)\}\{([^}]*)\}")



def pixels(path, index=None):
    with Image.open(path) as image:
        if index is not None:
            image.seek(index)
        return np.asarray(image.convert("RGB"))


# -- posters -----------------------------------------------------------------------------------------

@pytest.mark.parametrize("extension", [".gif", ".mp4", ".html"])
@pytest.mark.parametrize("which, index", [("first", 0), ("last", 9), ("30", 3)])
def test_the_poster_is_the_chosen_frame_beside_the_animation(tmp_path, extension, which, index):
    animation = write_animation(Stripes(), tmp_path / f"run{extension}", fps=10, hold=0, workers=1, poster=which)
    poster = tmp_path / "run.poster.png"
    assert animation.poster == str(poster)
    assert sorted(os.listdir(tmp_path)) == sorted([f"run{extension}", "run.poster.png"])
    assert np.array_equal(pixels(poster), Stripes().frame(index))
    if extension == ".gif":
        assert np.array_equal(pixels(poster), pixels(tmp_path / "run.gif", index))   # as the GIF shows it


def test_the_poster_of_a_training_run_is_its_frame_at_that_epoch(cli, tmp_path):
    result = cli(*TRAIN, "--poster", "142", "--save", tmp_path / "run.npz", "-o", tmp_path / "run.gif")
    assert result.code == 0, result
    assert f"wrote {tmp_path / 'run.poster.png'}" in result.err
    layout = TrainingAnimation(Recording.load(tmp_path / "run.npz"), size=(480, 270))
    index = int(np.flatnonzero(layout.epochs == 142)[0])
    assert np.array_equal(pixels(tmp_path / "run.poster.png"), layout.frame(index))
    shown = pixels(tmp_path / "run.gif", index).astype(int)            # the GIF's palette is close to exact
    assert np.abs(shown - layout.frame(index)).mean() < 2


def test_a_budgeted_animation_keeps_a_full_size_poster(cli, tmp_path):
    assert cli(*TRAIN, "-q", "-o", tmp_path / "full.gif").code == 0
    budget = int((tmp_path / "full.gif").stat().st_size * 0.25)
    result = cli(*TRAIN, "--max-bytes", str(budget), "--poster", "last", "-o", tmp_path / "small.gif")
    assert result.code == 0, result
    with Image.open(tmp_path / "small.poster.png") as poster:
        assert poster.size == (480, 270)


def test_a_frames_folder_keeps_its_poster_inside(tmp_path):
    write_animation(Stripes(), f"{tmp_path}/frames/", poster="20")
    folder = tmp_path / "frames"
    assert os.listdir(tmp_path) == ["frames"]
    assert (folder / "poster.png").read_bytes() == (folder / "frame_00002.png").read_bytes()
    assert "poster.png" in (folder / MARKER).read_text().splitlines()
    write_animation(Stripes(4), f"{tmp_path}/frames/")                 # rewritten: the old poster goes
    assert "poster.png" not in os.listdir(folder)


@pytest.mark.parametrize("args, words", [
    (["--poster", "lst", "-o", "a.gif"], "argument --poster: expected first, last or an epoch number"),
    (["--poster", "-3", "-o", "a.gif"], "argument --poster"),
    (["--poster", "150", "-o", "a.gif"], "--poster 150: no frame at that epoch; the nearest are at epochs 142, 158"),
    (["--poster", "last", "-o", "a.png"], "--poster is for animations; a png output is one still already"),
    (["--poster", "last", "-o", "run.npz"], "--poster needs -o with an animation"),
    (["--poster", "last"], "--poster needs -o with an animation"),
])
def test_bad_posters_are_one_line_errors_before_training(cli, tmp_path, monkeypatch, args, words):
    monkeypatch.chdir(tmp_path)
    result = cli(*TRAIN, *args)
    assert result.code == 2 and result.out == "" and result.err.count("\n") == 1, result
    assert words in result.err and os.listdir(tmp_path) == []


def test_a_poster_at_a_missing_epoch_writes_nothing(tmp_path):
    with pytest.raises(ArgumentError) as caught:
        write_animation(Stripes(), tmp_path / "a.gif", poster="25")
    assert caught.value.argument == "poster" and "nearest are at epochs 10, 20, 30" in caught.value.problem
    assert os.listdir(tmp_path) == []


def test_every_animation_command_takes_a_poster(cli, tmp_path):
    assert cli("descent", "--preset", "momentum-fast", "--size", "480x270", "-q", "--poster", "first",
               "-o", tmp_path / "ball.gif").code == 0
    assert cli("race2d", "saddle", "--size", "640x360", "-q", "--poster", "last", "--steps", "40",
               "-o", tmp_path / "saddle.mp4").code == 0
    assert sorted(os.listdir(tmp_path)) == ["ball.gif", "ball.poster.png", "saddle.mp4", "saddle.poster.png"]


# -- LaTeX --------------------------------------------------------------------------------------------

def test_the_latex_line_names_the_first_and_last_frame_and_the_rate(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "slides").mkdir()
    result = cli(*TRAIN, "-q", "--fps", "12.5", "--latex", "-o", "slides/frames/")
    assert result.code == 0, result
    text = (tmp_path / "slides" / "frames" / "animation.tex").read_text()
    assert "% in the preamble: \\usepackage{animate}" in text
    options, rate, base, first, last = ANIMATE.search(text).groups()
    assert options.split(",")[:3] == ["loop", "controls", "autoplay"] and "width=\\linewidth" in options
    assert rate == "12.5" and base == "slides/frames/frame_" and (first, last) == ("00000", "00019")
    for number in (first, last):                        # the files the line names exist, as LaTeX will look for them
        assert (tmp_path / f"{base}{number}.png").is_file()
    frames = sorted(n for n in os.listdir(tmp_path / "slides" / "frames") if n.startswith("frame_"))
    assert (frames[0], frames[-1]) == (f"frame_{first}.png", f"frame_{last}.png") and len(frames) == 20
    marker = (tmp_path / "slides" / "frames" / MARKER).read_text().splitlines()
    assert "animation.tex" in marker and "animation.json" in marker


def test_the_latex_line_shows_the_poster_frame(tmp_path):
    write_animation(Stripes(), f"{tmp_path}/f/", fps=10, latex=True, poster="last")
    options = ANIMATE.search((tmp_path / "f" / "animation.tex").read_text()).group(1)
    assert "poster=9" in options.split(",")


def test_a_latex_folder_can_be_written_again_with_or_without_the_line(tmp_path):
    write_animation(Stripes(), f"{tmp_path}/f/", latex=True)
    write_animation(Stripes(6), f"{tmp_path}/f/", latex=True)
    assert ANIMATE.search((tmp_path / "f" / "animation.tex").read_text()).group(5) == "00005"
    write_animation(Stripes(3), f"{tmp_path}/f/")
    assert "animation.tex" not in os.listdir(tmp_path / "f")


def test_a_foreign_animation_tex_is_not_ours_to_replace(tmp_path):
    write_animation(Stripes(), f"{tmp_path}/f/")
    (tmp_path / "f" / "animation.tex").write_text("my own notes")
    with pytest.raises(UserError, match="not frames from an earlier run"):
        write_animation(Stripes(), f"{tmp_path}/f/", latex=True)
    assert (tmp_path / "f" / "animation.tex").read_text() == "my own notes"


@pytest.mark.parametrize("output", ["a.gif", "a.mp4", "a.png", "a.html"])
def test_latex_without_a_frames_folder_is_one_line_exit_2(cli, tmp_path, output):
    result = cli(*TRAIN, "--latex", "-o", tmp_path / output)
    assert result.code == 2 and result.out == "" and result.err.count("\n") == 1
    assert "--latex is for a folder of frames" in result.err and os.listdir(tmp_path) == []


def test_the_line_itself():
    assert animategraphics("frames/frame_", fps=25, first="00000", last="00199") == (
        "\\animategraphics[loop,controls,autoplay,width=\\linewidth]{25}{frames/frame_}{00000}{00199}")
    assert animategraphics("f/frame_", fps=0.5, first="00000", last="00001", poster=1).startswith(
        "\\animategraphics[loop,controls,autoplay,width=\\linewidth,poster=1]{0.5}{f/frame_}")

"""The writer registry: a path picks its writer, each writer checks its own options, a new format is one class."""

import os

import numpy as np
import pytest
from PIL import Image

from animator.errors import ArgumentError
from renderers import write_animation
from renderers.writers import (GifWriter, HtmlWriter, Mp4Writer, NullWriter, PngSequenceWriter, PngWriter, Writer,
                               gif_delay, gif_delays, kinds, register, writer_for, writer_named)
from renderers.writers import registry
from renderers.writers.registry import formats
from frame_sources import Stripes



@pytest.mark.parametrize("path, writer", [
    ("a.gif", GifWriter), ("A.GIF", GifWriter), ("a.mp4", Mp4Writer), ("a.html", HtmlWriter),
    ("a.png", PngWriter), ("frames/", PngSequenceWriter), ("dir.d/a.gif", GifWriter),
])
def test_the_extension_picks_the_writer(path, writer):
    assert writer_for(path) is writer
    assert writer_named(writer.KIND) is writer


def test_an_existing_directory_takes_frames_whatever_its_name(tmp_path):
    (tmp_path / "looks.gif").mkdir()
    assert writer_for(tmp_path / "looks.gif") is PngSequenceWriter
    assert writer_for(tmp_path) is PngSequenceWriter


@pytest.mark.parametrize("path, words", [
    ("run.npz", ".npz is a Recording, an input, not an animation"),
    ("points.csv", ".csv is a data file, an input"),
    ("a.avi", "unknown output type '.avi'"),
    ("noextension", "unknown output type '(no extension)'"),
])
def test_inputs_and_unknown_extensions_are_refused(path, words):
    with pytest.raises(ArgumentError) as caught:
        writer_for(path)
    assert caught.value.argument == "output" and words in str(caught.value)
    assert "--" not in str(caught.value)                    # the library never speaks of flags


def test_help_lists_every_kind_that_a_path_can_name():
    listed = [extension for writer in formats() for extension in writer.EXTENSIONS]
    assert kinds() == listed + ["a directory ending in /"]
    assert {".gif", ".mp4", ".png", ".html", ".webp"} <= set(listed)
    assert NullWriter.KIND == "null" and writer_named("null") is NullWriter


OPTIONS = [
    (GifWriter, dict(fps=60), "fps", "not possible in a GIF"),
    (Mp4Writer, dict(size=(641, 360)), "size", "H.264 needs even width and height"),
    (HtmlWriter, dict(fps=0), "fps", "must be positive"),
    (Mp4Writer, dict(fps=0), "fps", "must be positive"),
    (Mp4Writer, dict(fps=float("inf")), "fps", "must be positive"),
    (Mp4Writer, dict(fps=float("nan")), "fps", "must be positive"),
    (Mp4Writer, dict(fps=10_000), "fps", "must be between 0.1 and 240"),
    (GifWriter, dict(hold=-1), "hold", "must be 0 or more seconds"),
    (GifWriter, dict(hold=float("nan")), "hold", "must be 0 or more seconds"),
    (PngSequenceWriter, dict(hold=100_000), "hold", "must be at most 60 seconds"),
    (Mp4Writer, dict(hold=float("inf")), "hold", "must be 0 or more"),
]


@pytest.mark.parametrize("writer, bad, argument, words", OPTIONS, ids=[f"{w.KIND}-{b}" for w, b, _, _ in OPTIONS])
def test_each_writer_checks_its_options_without_a_file(writer, bad, argument, words):
    options = dict(size=(640, 360), fps=25, hold=2.0) | bad
    with pytest.raises(ArgumentError) as caught:
        writer.check_options(**options)
    assert caught.value.argument == argument and words in caught.value.problem


def test_good_options_pass_every_writer():
    for kind in ("gif", "mp4", "html", "png", "frames", "null"):
        writer_named(kind).check_options(size=(640, 360), fps=50, hold=60)


def test_the_gif_writer_uses_the_one_delay_rule(tmp_path):
    """The delays in the file are gif_delays', frame by frame (30 fps: 3, 3, 4, ...; the hold on the last)."""
    write_animation(Stripes(12), tmp_path / "a.gif", fps=30, hold=0.5, workers=1)
    with Image.open(tmp_path / "a.gif") as gif:
        durations = []
        for i in range(gif.n_frames):
            gif.seek(i)
            durations.append(gif.info["duration"])
    assert durations == [10 * d for d in gif_delays(12, 30, hold=0.5)]
    assert gif_delays(12, 30) == [gif_delay(k, 30) for k in range(12)]


def test_gif_frames_are_quantised_in_the_workers_with_the_same_result(tmp_path):
    write_animation(Stripes(16), tmp_path / "serial.gif", workers=1)
    write_animation(Stripes(16), tmp_path / "parallel.gif", workers=3)
    assert (tmp_path / "serial.gif").read_bytes() == (tmp_path / "parallel.gif").read_bytes()
    with Image.open(tmp_path / "parallel.gif") as gif:
        gif.seek(5)
        assert np.array_equal(np.asarray(gif.convert("RGB")), Stripes().frame(5))


def test_the_gif_writer_takes_rgb_or_indices(tmp_path):
    source = Stripes(3)
    writer = GifWriter.for_source(tmp_path / "a.gif", source, fps=25, hold=0)
    with writer:
        writer.write(source.frame(0))                        # RGB
        writer.write(writer.transform(source.frame(1)))      # palette indices, as the workers send them
        writer.write(source.frame(2))
    write_animation(source, tmp_path / "b.gif", hold=0, workers=1)
    assert (tmp_path / "a.gif").read_bytes() == (tmp_path / "b.gif").read_bytes()


def test_a_png_takes_the_frame_asked_for(tmp_path):
    animation = write_animation(Stripes(), tmp_path / "a.png", frame="20")
    assert animation.frames == 1
    with Image.open(tmp_path / "a.png") as png:
        assert np.array_equal(np.asarray(png.convert("RGB")), Stripes().frame(2))
    with pytest.raises(ArgumentError) as caught:
        write_animation(Stripes(), tmp_path / "b.png", frame="25")
    assert caught.value.argument == "frame" and "nearest are at epochs 10, 20, 30" in caught.value.problem


def test_the_null_writer_counts(tmp_path):
    animation = write_animation(Stripes(7), tmp_path / "ignored", kind="null")
    assert animation.frames == 7 and os.listdir(tmp_path) == []


def test_an_html_page_with_a_non_ascii_name(tmp_path):
    out = tmp_path / "Überblick <spirale> & ünïcödé.html"
    animation = write_animation(Stripes(8), out, fps=10, hold=0, metadata={"caption": "Spirale <ü> & é"})
    page = out.read_text(encoding="utf-8")
    assert "<title>Spirale &lt;ü&gt; &amp; é</title>" in page         # the caption, escaped; never the name
    assert '<meta charset="utf-8">' in page
    assert animation._repr_html_().startswith("<iframe srcdoc=")
    assert os.listdir(tmp_path) == [out.name]


def test_a_new_format_is_one_registered_class(tmp_path, monkeypatch):
    """write_animation knows no format: a class with an extension is enough, transform included."""
    monkeypatch.setattr(registry, "_BY_EXTENSION", dict(registry._BY_EXTENSION))
    monkeypatch.setattr(registry, "_BY_KIND", dict(registry._BY_KIND))

    @register
    class Means(Writer):
        """Mean brightness of each frame, one number a line."""

        KIND = "means"
        EXTENSIONS = (".means",)

        def __init__(self, path, *, fps, hold):
            self.path, self.lines = path, []

        @staticmethod
        def transform(frame):                 # runs in the workers
            return np.array([frame.mean()])

        def write(self, item):
            self.lines.append(f"{item[0]:.3f}")

        def __exit__(self, exc_type, exc, tb):
            if exc_type is None:
                with open(self.path, "w") as handle:
                    handle.write("\n".join(self.lines) + "\n")
            return False

    assert writer_for("x.means") is Means and ".means" in kinds()
    write_animation(Stripes(9), tmp_path / "x.means", workers=1)
    expected = [f"{Stripes().frame(i).mean():.3f}" for i in range(9)]
    assert (tmp_path / "x.means").read_text().split() == expected

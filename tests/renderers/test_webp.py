"""Animated WebP, the format added as one module (renderers/writers/webp.py): its own behaviour, and every
command, the book and the snapshot fixtures taking it through the registry, with nothing else edited."""

import os

import numpy as np
import pytest
from PIL import Image

from frame_sources import Stripes
from renderers.render import write_animation
from renderers.writers import read_metadata, writer_for
from renderers.writers.registry import formats
from renderers.writers.webp import WebpWriter

pytest_plugins = ["pytester"]
SMALL = ["--epochs", "30", "--frames", "4", "--grid", "16", "--size", "480x270", "-q"]


def _durations(path):
    with Image.open(path) as image:
        found = []
        for index in range(image.n_frames):
            image.seek(index)
            image.load()
            found.append(image.info["duration"])
        return found


def test_lossless_frames_are_exact_and_last_frame_is_held(tmp_path):
    out = tmp_path / "run.webp"
    write_animation(Stripes(5), out, fps=20, hold=1.5)
    assert _durations(out) == [50, 50, 50, 50, 1550]
    for index in range(5):
        assert np.array_equal(WebpWriter.read_frame(out, index), Stripes(5).frame(index))
    with Image.open(out) as image:
        assert image.info["loop"] == 0


def test_frames_the_encoder_merged_are_still_found_by_their_time(tmp_path):
    out = tmp_path / "run.webp"
    source = Stripes(24)                  # from frame 16 on the bar is off the picture: 8 identical frames
    write_animation(source, out, fps=10, hold=0)
    with Image.open(out) as image:
        assert image.n_frames == 17       # libwebp keeps one longer frame for the identical ones
    for index in (0, 15, 16, 20, 23):
        assert np.array_equal(WebpWriter.read_frame(out, index), source.frame(index))


def test_a_budget_goes_lossy_first_and_keeps_true_colour(tmp_path):
    out = tmp_path / "run.webp"
    size = os.path.getsize(write_animation(_Noisy(8), out, fps=10, hold=0).path)
    fitted = write_animation(_Noisy(8), out, fps=10, hold=0, max_bytes=size // 2)
    assert os.path.getsize(out) <= size // 2
    assert fitted.fit.reductions[0][:2] == ("quality", "lossless")
    assert read_metadata(out) is None and os.listdir(tmp_path) == ["run.webp"]


class _Noisy(Stripes):
    size = (128, 64)

    def frame(self, index):
        return np.random.default_rng(index).integers(0, 256, (64, 128, 3)).astype(np.uint8)

    def colours(self):
        return np.zeros((1, 3), dtype=np.uint8)


def test_a_description_with_markup_is_escaped_and_read_back(tmp_path):
    out = tmp_path / "run.webp"
    described = {"caption": 'a "quoted" <b>&amp;</b> ünïcödé', "command": ["animator", "train"]}
    write_animation(Stripes(3), out, fps=10, hold=0, metadata=described)
    assert read_metadata(out) == described
    assert b"<b>" not in out.read_bytes()                 # the XMP packet stays well-formed


def test_a_file_that_is_not_webp_or_a_fifo_is_no_description(tmp_path):
    fake = tmp_path / "fake.webp"
    fake.write_bytes(b"RIFF\x00\x00\x00\x00WAVEfmt ")
    assert read_metadata(fake) is None
    fifo = tmp_path / "pipe.webp"
    os.mkfifo(fifo)
    with pytest.raises(Exception) as caught:
        read_metadata(fifo)
    assert "not a regular file" in str(caught.value)


def test_a_huge_xmp_chunk_is_refused_without_reading_it(tmp_path):
    crafted = tmp_path / "crafted.webp"
    crafted.write_bytes(b"RIFF\xff\xff\xff\x7fWEBP" + b"XMP " + (0x7FFFFFF0).to_bytes(4, "little") + b"<x")
    with pytest.raises(Exception) as caught:
        read_metadata(crafted)
    assert "larger than animator reads" in str(caught.value)


@pytest.mark.parametrize("command", [
    ["train", *SMALL, "--momentum", "0.5"],
    ["compare", "sgd", "adam:lr=0.05", *SMALL],
    ["descent", "--preset", "momentum-fast", "--steps", "20", "--size", "480x270", "-q"],
    ["race2d", "parabola", "--steps", "20", "--size", "480x270", "-q"],
])
def test_every_command_writes_webp_and_reproduce_remakes_its_bytes(cli, tmp_path, monkeypatch, command):
    monkeypatch.chdir(tmp_path)
    result = cli(*command, "-o", "out.webp")
    assert result.code == 0, result
    assert writer_for("out.webp") is WebpWriter and read_metadata("out.webp")["command"][0] == "animator"
    info = cli("info", "out.webp")
    assert info.code == 0 and f"animator {command[0]}" in info.out and "out.webp" in info.out
    again = cli("reproduce", "out.webp", "-o", "again.webp", "-q")
    assert again.code == 0, again
    assert (tmp_path / "again.webp").read_bytes() == (tmp_path / "out.webp").read_bytes()


def test_a_poster_and_a_budget_from_the_slides_preset(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = cli("train", *SMALL, "--preset", "slides", "-o", "talk.webp")
    assert result.code == 0, result
    assert os.path.getsize("talk.webp") <= 10_000_000 and os.path.exists("talk.poster.png")


def test_frame_snapshot_reads_every_rendered_format(pytester):
    pytester.makepyfile(test_formats="""
        import pytest
        from animator import RunConfig, train
        from renderers import render
        from renderers.writers.registry import formats

        KINDS = [w for w in formats() if not w.STILL]

        @pytest.mark.parametrize("writer", KINDS, ids=[w.KIND for w in KINDS])
        def test_first_frame(frame_snapshot, tmp_path, writer):
            run = train(RunConfig(epochs=20, frames=3, grid_resolution=16))
            target = str(tmp_path / "out") + ("/" if writer.DIRECTORY else writer.EXTENSIONS[0])
            frame_snapshot.assert_match(render(run, target, size=(480, 270)), frame="first",
                                        name=writer.KIND, tolerance=8)
    """)
    from test_snapshot_plugin import run_inner

    result = run_inner(pytester, "--snapshot-update")
    count = len([writer for writer in formats() if not writer.STILL])
    result.assert_outcomes(passed=count)
    run_inner(pytester).assert_outcomes(passed=count)


def test_a_sweep_draws_its_small_multiples_as_webp_and_is_reproduced(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = cli("sweep", "--grid", "lr=0.5,1", "--epochs", "30", "--frames", "3", "--resolution", "12",
                 "--size", "480x270", "--table", "runs.csv", "-q", "-o", "grid.webp")
    assert result.code == 0, result
    assert read_metadata("grid.webp")["command"][:2] == ["animator", "sweep"]
    again = cli("reproduce", "grid.webp", "-o", "again.webp", "-q")
    assert again.code == 0, again
    assert (tmp_path / "again.webp").read_bytes() == (tmp_path / "grid.webp").read_bytes()
    assert not [name for name in os.listdir(tmp_path) if name.startswith(".")]     # nothing left behind
    assert "again.runs" not in os.listdir(tmp_path)          # reproduce wrote the picture, nothing beside it

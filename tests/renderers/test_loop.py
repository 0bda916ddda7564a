"""--loop: how many times a GIF or a WebP plays, declared by the writers (LOOPS) and read back from the file."""

import pytest
from PIL import Image

from frame_sources import Stripes
from renderers.render import write_animation
from renderers.writers.gif import netscape_loop
from renderers.writers.registry import formats


def looping():
    return [writer.KIND for writer in formats() if writer.LOOPS]


def test_the_looping_formats_are_declared():
    assert looping() == ["gif", "webp"]


@pytest.mark.parametrize("plays, count", [(None, 0), (0, 0), (1, None), (3, 2)])
def test_a_gif_plays_as_often_as_asked(tmp_path, plays, count):
    path = tmp_path / "x.gif"
    write_animation(Stripes(4), path, fps=10, hold=0, workers=1, loop=plays)
    data = path.read_bytes()
    assert (b"NETSCAPE2.0" in data) == (count is not None)
    with Image.open(path) as gif:
        assert gif.info.get("loop") == count       # repeats after the first play, as browsers count them
        assert gif.n_frames == 4


def test_a_budget_keeps_the_loop_count(tmp_path):
    path = tmp_path / "x.gif"
    write_animation(Stripes(30, bar=2), path, fps=10, hold=0, workers=1, loop=1, max_bytes=100_000)
    with Image.open(path) as gif:
        assert "loop" not in gif.info


@pytest.mark.parametrize("plays, stored", [(None, 0), (1, 1), (3, 3)])
def test_a_webp_plays_as_often_as_asked(tmp_path, plays, stored):
    path = tmp_path / "x.webp"
    write_animation(Stripes(4), path, fps=10, hold=0, workers=1, loop=plays)
    with Image.open(path) as webp:
        assert webp.info.get("loop") == stored


def test_netscape_counts_repeats():
    assert netscape_loop(1) == b""
    assert netscape_loop(0).endswith(b"\x03\x01\x00\x00\x00") and netscape_loop(4).endswith(b"\x03\x01\x03\x00\x00")


def test_the_command_line_takes_once_or_a_count_for_every_command(cli, tmp_path):
    once = tmp_path / "once.gif"
    assert cli("descent", "--preset", "efficient", "--steps", "5", "--size", "480x270", "--loop", "once", "-q",
               "-o", once).code == 0
    with Image.open(once) as gif:
        assert "loop" not in gif.info
    thrice = tmp_path / "thrice.gif"
    assert cli("race2d", "saddle", "--steps", "5", "--size", "480x270", "--loop", "3", "-q", "-o", thrice).code == 0
    with Image.open(thrice) as gif:
        assert gif.info["loop"] == 2


@pytest.mark.parametrize("args, message", [
    (["--loop", "once", "-o", "x.mp4"], "--loop is for GIF and WEBP outputs, not mp4"),
    (["--loop", "0", "-o", "x.gif"], "expected forever, once or a number of plays"),
    (["--loop", "twice", "-o", "x.gif"], "expected forever, once or a number of plays"),
])
def test_a_loop_count_a_format_cannot_take_is_one_line(cli, tmp_path, args, message):
    result = cli("descent", "--preset", "efficient", "--steps", "5", *args[:-1], tmp_path / args[-1])
    assert result.code == 2 and message in result.err and result.err.count("\n") == 1, result.err


def test_the_book_takes_a_loop_count_for_its_animations(cli, tmp_path):
    from animator_app.book.options import BookOptions, check_book_options

    check_book_options(str(tmp_path / "book"), BookOptions(loop=1))
    result = cli("book", "-o", tmp_path / "book", "--format", "mp4", "--loop", "once")
    assert result.code == 2 and "--loop is for GIF and WEBP outputs, not mp4" in result.err
    assert not (tmp_path / "book").exists()

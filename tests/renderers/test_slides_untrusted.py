"""`animator slides` takes its animations as data: bombs, damage, devices and odd text are one line, exit 2, no deck."""

import io
import os
import struct
import subprocess
import sys
import zlib

import pytest

pptx = pytest.importorskip("pptx", reason="python-pptx is the 'slides' extra (in the 'test' extra too)")
from PIL import Image  # noqa: E402
from pptx.enum.shapes import MSO_SHAPE_TYPE  # noqa: E402

from animator_app.cli import main  # noqa: E402
from renderers.deck import MAX_INPUT_BYTES  # noqa: E402
from paths import ROOT



def small_png(size=(32, 18)):
    buffer = io.BytesIO()
    Image.new("RGB", size, "white").save(buffer, format="PNG")
    return buffer.getvalue()


def png_claiming(width, height):
    """A tiny real PNG whose header (IHDR, CRC fixed) claims ``width`` x ``height``: bytes, not pixels."""
    data = bytearray(small_png((4, 4)))
    header = struct.pack(">II", width, height) + bytes(data[24:29])
    data[16:29] = header
    data[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + header))
    return bytes(data)


def gif_claiming(width, height):
    """A tiny real GIF whose logical screen claims ``width`` x ``height``."""
    buffer = io.BytesIO()
    Image.new("P", (4, 4)).save(buffer, format="GIF")
    data = bytearray(buffer.getvalue())
    data[6:10] = struct.pack("<HH", width, height)
    return bytes(data)


@pytest.fixture(scope="module")
def video(tmp_path_factory):
    """A small MP4 as animator makes it."""
    path = tmp_path_factory.mktemp("video") / "ball.mp4"
    assert main(["descent", "--preset", "momentum-fast", "--steps", "20", "-o", str(path), "--size", "480x270",
                 "-q"]) == 0
    return path.read_bytes()


def refused(capsys, folder, *files, extra=(), expect=None):
    """Run ``animator slides FILES -o deck.pptx``; assert exit 2, one line, no traceback, the old deck kept."""
    deck = folder / "deck.pptx"
    deck.write_bytes(b"the deck from before")
    capsys.readouterr()
    assert main(["slides", *map(str, files), "-o", str(deck), *extra]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("animator: error: "), err
    assert "Traceback" not in err and "\x1b" not in err
    if expect:
        assert expect in err, err
    assert deck.read_bytes() == b"the deck from before"
    assert not [name for name in os.listdir(folder) if name.endswith(".part") or name.startswith(".deck")]
    return err


@pytest.mark.parametrize("name, data, expect", [
    ("huge.png", png_claiming(40000, 40000), "a 40000x40000 picture, more than the"),
    ("huge.gif", gif_claiming(65535, 65535), "a 65535x65535 picture, more than the"),
    ("empty.png", png_claiming(0, 0), "has no pixels"),
    ("gif.png", gif_claiming(4, 4), "not a PNG file"),
    ("cut.png", small_png()[:20], "damaged PNG"),
])
def test_a_picture_is_checked_by_its_header_before_it_is_opened(tmp_path, capsys, name, data, expect):
    (tmp_path / name).write_bytes(data)
    err = refused(capsys, tmp_path, tmp_path / name, expect=expect)
    assert name in err


@pytest.mark.parametrize("cut", ["half", "head"])
def test_a_truncated_video_is_one_line_naming_it_without_ffmpegs_log(video, tmp_path, capsys, cut):
    path = tmp_path / "cut.mp4"
    path.write_bytes(video[:len(video) // 2] if cut == "half" else video[:1000])
    err = refused(capsys, tmp_path, path, expect="cut.mp4: not a video animator can show (ffmpeg: ")
    assert "ffmpeg version" not in err and len(err) < 300


def test_random_bytes_named_mp4_are_not_a_video(tmp_path, capsys):
    path = tmp_path / "noise.mp4"
    path.write_bytes(os.urandom(5000))
    refused(capsys, tmp_path, path, expect="noise.mp4: not a video animator can show")


def test_a_poster_beside_the_video_is_read_as_carefully(video, tmp_path, capsys):
    (tmp_path / "ball.mp4").write_bytes(video)
    (tmp_path / "ball.poster.png").write_bytes(png_claiming(40000, 40000))
    refused(capsys, tmp_path, tmp_path / "ball.mp4", expect="ball.poster.png: a 40000x40000 picture")
    os.unlink(tmp_path / "ball.poster.png")
    os.symlink("/dev/zero", tmp_path / "ball.poster.png")
    refused(capsys, tmp_path, tmp_path / "ball.mp4", expect="ball.poster.png: is a device, not a regular file")


def test_a_sound_video_still_makes_a_deck(video, tmp_path):
    (tmp_path / "ball.mp4").write_bytes(video)
    assert main(["slides", str(tmp_path / "ball.mp4"), "-o", str(tmp_path / "deck.pptx"), "-q"]) == 0
    movie = {s.shape_type: s for s in pptx.Presentation(str(tmp_path / "deck.pptx")).slides[0].shapes}
    assert MSO_SHAPE_TYPE.MEDIA in movie


def test_a_file_larger_than_a_slide_takes_is_refused_before_it_is_read(tmp_path, capsys):
    sparse = tmp_path / "sparse.gif"
    with open(sparse, "wb") as handle:
        handle.write(gif_claiming(4, 4))
        handle.truncate(2 << 30)                     # 2 GiB, no blocks on disk: the description is in the first KiB
    assert os.path.getsize(sparse) > MAX_INPUT_BYTES
    refused(capsys, tmp_path, sparse, expect="sparse.gif: 2048 MiB, more than the 256 MiB a slide takes")


def not_a_file(tmp_path, kind):
    if kind == "fifo":
        os.mkfifo(tmp_path / "pipe.png")
        return tmp_path / "pipe.png"
    name, target = {"zero": ("zero.gif", "/dev/zero"), "urandom": ("x.mp4", "/dev/urandom"),
                    "folder": ("folder.png", str(tmp_path))}[kind]
    os.symlink(target, tmp_path / name)
    return tmp_path / name


@pytest.mark.parametrize("kind, expect", [
    ("zero", "zero.gif: is a device, not a regular file"),
    ("urandom", "x.mp4: is a device, not a regular file"),
    ("fifo", "pipe.png: is a named pipe (FIFO), not a regular file"),
    ("folder", "folder.png: is a directory, not a regular file"),
])
def test_devices_fifos_and_folders_are_refused_at_once(tmp_path, kind, expect):
    """In a child process with a timeout: a reader that blocked or read forever would fail here, not hang the run."""
    path = not_a_file(tmp_path, kind)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [ROOT, os.environ.get("PYTHONPATH")]))}
    done = subprocess.run([sys.executable, "-m", "animator_app", "slides", str(path), "-o", str(tmp_path / "d.pptx")],
                          capture_output=True, text=True, timeout=60, env=env, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stderr.count("\n") == 1 and expect in done.stderr, done.stderr
    assert not os.path.exists(tmp_path / "d.pptx")

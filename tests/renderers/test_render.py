"""The training animation: what frames show, and the files they become, read back."""

import gc
import os
import struct
import subprocess
import tracemalloc

import numpy as np
import pytest
from PIL import Image

from animator import Recording, RunConfig, train
from renderers import TrainingAnimation, count_frames, gif_delays, render
from renderers.render import iter_frames

import golden

SMALL = (640, 360)


@pytest.fixture(scope="module")
def trained():
    """A run that learns the spiral well: Adam, as the chapter's next section tunes it."""
    return train(RunConfig(optimizer="adam", hyperparameters={"lr": 0.05, "decay": 5e-7}, epochs=1500,
                           frames=12, grid_resolution=120))


@pytest.fixture(scope="module")
def short():
    return train(RunConfig(epochs=60, frames=10, grid_resolution=40,
                           hyperparameters={"decay": 1e-3, "momentum": 0.9}))


def test_frame_count_from_a_null_writer(short):
    writer = count_frames(short, size=SMALL)
    assert writer.frames == len(short.frame_epochs) == 10
    assert writer.shape == (360, 640, 3)


def test_frames_are_the_same_in_worker_processes(short):
    animation = TrainingAnimation(short, size=SMALL)
    serial = list(iter_frames(animation, range(len(animation)), workers=1))
    parallel = list(iter_frames(animation, range(len(animation)), workers=3))
    assert len(parallel) == len(serial)
    assert all(np.array_equal(a, b) for a, b in zip(serial, parallel))


def test_deep_inside_a_class_the_region_has_that_class_colour(trained):
    assert trained.accuracy[-1] > 0.9
    animation = TrainingAnimation(trained, size=(960, 540))
    last = len(animation) - 1
    frame = animation.frame(last)
    probs = trained.grid_probs[last].astype(int)
    x0, y0, w, h = animation.panel
    inner = w - 2
    points_alpha = np.zeros((inner, inner), dtype=bool)
    points_alpha[animation.points.index] = True
    res = probs.shape[0]
    for k in range(3):
        # grid cells whose whole 3x3 neighbourhood is confidently class k
        sure = probs[..., k] >= 0.95 * 255
        core = sure[1:-1, 1:-1] & sure[:-2, 1:-1] & sure[2:, 1:-1] & sure[1:-1, :-2] & sure[1:-1, 2:]
        cells = np.argwhere(core) + 1
        checked = 0
        for r, c in cells:
            py = int((r + 0.5) / res * inner)
            px = int((c + 0.5) / res * inner)
            if points_alpha[max(py - 3, 0):py + 4, max(px - 3, 0):px + 4].any():
                continue
            assert tuple(frame[y0 + 1 + py, x0 + 1 + px]) == tuple(animation.region_colours[k])
            checked += 1
            if checked == 5:
                break
        assert checked == 5, f"no clear territory found for class {k}"
    # and a data point's centre has its class's (saturated) point colour
    for k in range(3):
        index = int(np.flatnonzero(trained.y == k)[-1])     # an outer point of each arm
        row, col = animation.data_to_pixel(*trained.X[index])
        assert np.abs(frame[row, col].astype(int) - animation.point_colours[k]).max() <= 40


def test_positive_weights_are_red_and_negative_blue(trained):
    animation = TrainingAnimation(trained, size=(960, 540))
    last = len(animation) - 1
    frame = animation.frame(last)
    matrix = animation.matrices[0][animation.param_rows[last]]      # (3, 64): x weights, y weights, biases
    (x, y, w, h), _ = animation.bars[0]
    c = animation.cell
    for pick, redder in ((np.argmax, True), (np.argmin, False)):
        r, col = np.unravel_index(pick(matrix), matrix.shape)
        pixel = frame[y + 1 + r * c + c // 2, x + 1 + col * c + c // 2].astype(int)
        assert (pixel[0] > pixel[2] + 50) == redder and (pixel[2] > pixel[0] + 50) == (not redder), pixel


def test_diverged_run_ends_on_its_last_finite_frame_with_a_banner(tmp_path):
    recording = train(RunConfig(hyperparameters={"lr": 1e30}, epochs=50, frames=5, grid_resolution=20))
    animation = TrainingAnimation(recording, size=SMALL)
    assert len(animation) == 1 and animation.epochs.tolist() == [0]
    frame = animation.frame(0)
    x, y, w, h = animation.panel
    banner = frame[y:y + h // 4, x:x + w]
    warning = np.array([0xC0, 0x39, 0x2B])
    assert (np.abs(banner.astype(int) - warning).max(axis=-1) == 0).sum() > 200


# -- files read back --------------------------------------------------------------------------

def test_gif_frames_durations_and_loop(short, tmp_path):
    out = tmp_path / "a.gif"
    render(short, out, size=SMALL, fps=25, hold=1.5)
    with Image.open(out) as gif:
        assert gif.n_frames == 10 and gif.size == SMALL
        assert gif.info["loop"] == 0
        durations = []
        for i in range(gif.n_frames):
            gif.seek(i)
            durations.append(gif.info["duration"])
        gif.seek(9)
        last = np.asarray(gif.convert("RGB")).astype(int)
    assert durations == [40] * 9 + [40 + 1500]
    expected = TrainingAnimation(short, size=SMALL).frame(9).astype(int)
    assert np.abs(last - expected).mean() < 1.0     # one global palette, no dithering


def test_gif_delays_are_whole_hundredths_and_keep_the_rate():
    delays = gif_delays(30, 30)
    assert set(delays) == {3, 4} and sum(delays) == 100
    assert gif_delays(4, 50) == [2, 2, 2, 2]
    assert gif_delays(3, 20, hold=2) == [5, 5, 205]


def _boxes(data):
    boxes, pos = [], 0
    while pos + 8 <= len(data):
        size, kind = struct.unpack(">I4s", data[pos:pos + 8])
        boxes.append(kind.decode("latin-1"))
        if size == 1:
            size = struct.unpack(">Q", data[pos + 8:pos + 16])[0]
        if size < 8:
            break
        pos += size
    return boxes


def test_mp4_codec_pixel_format_size_and_faststart(short, tmp_path):
    import imageio_ffmpeg

    out = tmp_path / "a.mp4"
    render(short, out, size=(642, 362), fps=30, hold=1.0)
    probe = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-i", str(out)],
                           capture_output=True, text=True).stderr
    video = next(line for line in probe.splitlines() if "Video:" in line)
    assert "h264" in video and "yuv420p" in video and "642x362" in video
    boxes = _boxes(out.read_bytes())
    assert boxes.index("moov") < boxes.index("mdat")
    frames = imageio_ffmpeg.count_frames_and_secs(str(out))[0]
    assert frames == 10 + 30     # the last frame held for a second


def test_png_single_frame_and_directory(short, tmp_path):
    render(short, tmp_path / "one.png", size=SMALL, frame="first")
    with Image.open(tmp_path / "one.png") as png:
        assert png.size == SMALL
        first = np.asarray(png.convert("RGB"))
    assert np.array_equal(first, TrainingAnimation(short, size=SMALL).frame(0))
    render(short, str(tmp_path / "frames") + os.sep, size=SMALL)
    names = sorted(os.listdir(tmp_path / "frames"))
    frames = [f"frame_{i:05d}.png" for i in range(10)]
    assert names == [".animator-frames", "animation.json"] + frames     # the marker lists what was written
    assert (tmp_path / "frames" / ".animator-frames").read_text().split() == (["animator", "frames"] + frames
                                                                              + ["animation.json"])


@pytest.mark.parametrize("suffix", [".gif", ".mp4", ".png"])
def test_same_command_same_bytes(short, tmp_path, suffix):
    render(short, tmp_path / f"1{suffix}", size=SMALL)
    render(short, tmp_path / f"2{suffix}", size=SMALL)
    assert (tmp_path / f"1{suffix}").read_bytes() == (tmp_path / f"2{suffix}").read_bytes()


@pytest.mark.parametrize("suffix", [".gif", ".mp4", ".html", "/"])
def test_an_interrupted_render_leaves_the_target_untouched(short, tmp_path, suffix):
    target = tmp_path / f"out{suffix}" if suffix != "/" else tmp_path / "out"
    if suffix == "/":
        render(short, str(target) + "/", size=SMALL, workers=1)      # an earlier frames output, replaceable
        before = {p.name: p.read_bytes() for p in target.iterdir()}
    else:
        target.write_bytes(b"old animation")

    def interrupt(done, total):
        if done == 4:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        render(short, str(target) + ("/" if suffix == "/" else ""), size=SMALL, progress=interrupt, workers=2)
    if suffix == "/":
        assert {p.name: p.read_bytes() for p in target.iterdir()} == before
    else:
        assert target.read_bytes() == b"old animation"
    assert sorted(os.listdir(tmp_path)) == [target.name]


def test_rendering_memory_does_not_grow_with_the_frame_count(tmp_path):
    many = train(RunConfig(epochs=200, frames=200, grid_resolution=16))
    few = Recording(many.spec, dict(many.arrays))
    few.arrays["frame_epochs"] = many.frame_epochs[::10]
    few.arrays["grid_probs"] = many.grid_probs[::10]
    extra = len(many.frame_epochs) - len(few.frame_epochs)
    for suffix in (".gif", ".mp4"):        # once first, unmeasured: caches that fill on a first render are not growth
        render(few, tmp_path / f"warm{suffix}", size=(480, 270), workers=1)
    peaks = {}
    for name, recording in (("few", few), ("many", many)):
        for suffix in (".gif", ".mp4"):
            # each from the same start, whichever tests ran before in this process: garbage of theirs, or one
            # frame's buffer more held in a cycle when the collector happens to run later, is not growth
            gc.collect()
            tracemalloc.start()
            render(recording, tmp_path / f"{name}{suffix}", size=(480, 270), workers=1)
            peaks[name, suffix] = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
    for suffix in (".gif", ".mp4"):
        assert peaks["many", suffix] <= 1.2 * peaks["few", suffix], peaks
        # per frame kept, tighter than 1.2x allowed over 100 -> 1000 frames (about 1.6 kB a frame for the MP4):
        # holding even one small compressed frame each would fail
        assert peaks["many", suffix] - peaks["few", suffix] <= 1500 * extra, peaks


def test_golden_frames():
    """Regenerate with ``python tests/golden.py`` (see that file)."""
    for filename, frame in golden.golden_frames().items():
        with Image.open(os.path.join(golden.GOLDEN, filename)) as png:
            expected = np.asarray(png.convert("RGB")).astype(np.float64)
        assert frame.shape == expected.shape, filename
        rms = np.sqrt(np.mean((frame.astype(np.float64) - expected) ** 2))
        assert rms < 3.0, f"{filename}: RMS {rms:.2f} from the golden frame"


def test_jupyter_shows_the_animation_inline(short, tmp_path):
    animation = render(short, tmp_path / "a.gif", size=SMALL)
    html = animation._repr_html_()
    assert html.startswith('<img src="data:image/gif;base64,R0lGODlh')
    video = render(short, tmp_path / "a.mp4", size=SMALL)._repr_html_()
    assert video.startswith('<video src="data:video/mp4;base64,')


# -- the command line ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def saved(tmp_path_factory, short):
    return short.save(tmp_path_factory.mktemp("rec") / "run.npz")


def test_train_and_render_in_one_go(cli, tmp_path):
    out, run = tmp_path / "sgd.gif", tmp_path / "sgd.npz"
    result = cli("train", "--decay", "1e-3", "--momentum", "0.9", "--epochs", "40", "--frames", "8",
                 "--grid", "30", "--size", "640x360", "--fps", "20", "-o", out, "--save", run)
    assert result.code == 0, result
    assert f"wrote {out} (8 frames, 640x360)" in result.err
    with Image.open(out) as gif:
        assert gif.n_frames == 8
    assert len(Recording.load(run).frame_epochs) == 8


def test_render_command(cli, saved, tmp_path):
    result = cli("render", saved, "-o", tmp_path / "x.mp4", "--size", "640x360", "-q")
    assert result.code == 0 and result.err == "" and (tmp_path / "x.mp4").stat().st_size > 1000


BAD_RENDER = [
    (["-o", "{tmp}/x.mp4", "--size", "641x360"], "--size 641x360: H.264 needs even width and height"),
    (["-o", "{tmp}/x.gif", "--fps", "60"], "--fps 60 is not possible in a GIF"),
    (["-o", "{tmp}/x.gif", "--fps", "0"], "--fps must be positive"),
    (["-o", "{tmp}/x.avi"], "unknown output type '.avi'"),
    (["-o", "{tmp}/x"], "unknown output type '(no extension)'"),
    (["-o", "/no/such/dir/x.gif"], "directory /no/such/dir does not exist"),
    (["-o", "{tmp}/x.gif", "--size", "big"], "argument --size: expected WIDTHxHEIGHT"),
    (["-o", "{tmp}/x.gif", "--size", "500x700"], "at least as wide as it is tall"),
    (["-o", "{tmp}/x.gif", "--size", "3000x1000"], "at most 2.4 times as wide as it is tall"),
    (["-o", "{tmp}/x.gif", "--size", "100x50"], "is too small"),
    (["-o", "{tmp}/x.gif", "--hold", "-1"], "--hold must be 0 or more"),
    (["-o", "{tmp}/x.gif", "--hold", "100000"], "--hold must be at most 60 seconds"),
    (["-o", "{tmp}/x.gif", "--hold", "nan"], "--hold"),       # refused, by the parser or the writer
    (["-o", "{tmp}/x.mp4", "--fps", "inf"], "--fps"),
    (["-o", "{tmp}/x.mp4", "--fps", "1e6"], "--fps must be between 0.1 and 240"),
    (["-o", "{tmp}/x.png", "--frame", "middle"], "--frame must be first, last or an epoch number"),
    (["-o", "{tmp}/x.png", "--frame", "8"], "--frame 8: no frame at that epoch"),
]


@pytest.mark.parametrize("args, message", BAD_RENDER, ids=[m for _, m in BAD_RENDER])
def test_bad_render_options(cli, saved, tmp_path, args, message):
    result = cli("render", saved, *[a.format(tmp=tmp_path) for a in args])
    assert result.code == 2, result
    assert result.err.count("\n") == 1 and message.format(tmp=tmp_path) in result.err, result.err
    assert [p for p in os.listdir(tmp_path)] == []


def test_unwritable_render_target(cli, saved):
    result = cli("render", saved, "-o", "/sys/x.gif")
    assert result.code == 2 and "is not writable" in result.err


def test_missing_and_corrupt_recordings(cli, tmp_path):
    result = cli("render", tmp_path / "none.npz", "-o", tmp_path / "x.gif")
    assert result.code == 2 and "no such recording file" in result.err
    (tmp_path / "bad.npz").write_bytes(b"PK\x03\x04 truncated")
    result = cli("render", tmp_path / "bad.npz", "-o", tmp_path / "x.gif")
    assert result.code == 2 and "not a readable .npz recording" in result.err
    assert result.err.count("\n") == 1


def test_html_page_is_a_player_of_every_frame(short, tmp_path):
    """The page holds each frame, not a video (tests/renderers/test_player.py plays it in Chromium)."""
    import json
    import re

    out = tmp_path / "page.html"
    animation = render(short, out, size=SMALL, fps=20, hold=0)
    page = out.read_text(encoding="utf-8")
    assert page.startswith("<!doctype html>") and "<canvas" in page and "<video" not in page
    frames = json.loads(re.search(r'id="animator-frames">(.*?)</script>', page, re.S).group(1))
    settings = json.loads(re.search(r'id="animator-settings">(.*?)</script>', page, re.S).group(1))
    assert len(frames) == len(settings["epochs"]) == 10 and settings["fps"] == 20
    assert animation._repr_html_().startswith("<iframe srcdoc=")
    assert os.listdir(tmp_path) == ["page.html"]                           # no temporary file left

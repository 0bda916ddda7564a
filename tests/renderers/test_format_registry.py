"""Contract tests over every registered output format, and the rule that only its own module lists it.

A new format is one module in ``renderers/writers/``; these tests run over it
unedited: it writes, reads back its description and its frames, leaves nothing
on an interrupt, declares how pages and decks show it, and meets a byte budget
if it says it can.
"""

import os

import numpy as np
import pytest

from frame_sources import Stripes
from renderers.render import write_animation
from renderers.writers import read_metadata, writer_named
from renderers.writers.registry import animation_formats, formats
from paths import ROOT
from source_rules import spelled

FORMATS = [writer.KIND for writer in formats()]
DESCRIPTION = {"animator": "test", "caption": "Stripes <ü> & \"quotes\"", "kind": "training", "spec": {"n": [1, 2]}}


def _target(tmp_path, writer):
    return str(tmp_path / "out") + os.sep if writer.DIRECTORY else str(tmp_path / f"out{writer.EXTENSIONS[0]}")


def _rms(a, b):
    return float(np.sqrt(np.mean((a.astype(float) - b.astype(float)) ** 2)))


@pytest.fixture(params=FORMATS)
def writer(request):
    return writer_named(request.param)


def test_every_format_declares_what_other_layers_ask(writer):
    assert writer.KIND and (writer.EXTENSIONS or writer.DIRECTORY)
    assert all(extension.startswith(".") and extension == extension.lower() for extension in writer.EXTENSIONS)
    assert writer.HTML_TAG in ("", "img", "video", "iframe")
    assert writer.DECK in ("", "picture", "movie")
    if writer.HTML_TAG or writer.DECK:
        assert "/" in writer.MIME
    if writer.DECK == "picture":
        assert writer.SIGNATURES and writer.HTML_TAG     # a deck checks a picture's first bytes and size


def test_it_writes_and_reads_back_its_description_and_frames(writer, tmp_path):
    source = Stripes(6)
    target = _target(tmp_path, writer)
    animation = write_animation(source, target, fps=10, hold=0, metadata=DESCRIPTION)
    assert read_metadata(target) == DESCRIPTION
    indices = list(writer.frames_to_write(source))
    assert animation.frames == len(indices) and animation.kind == writer.KIND
    for position, index in enumerate(indices):
        frame = writer.read_frame(target, position)
        assert frame.shape == (32, 64, 3) and frame.dtype == np.uint8
        # H.264 is lossy; every other format keeps the frame exactly
        assert _rms(frame, source.frame(index)) < (12 if writer.KIND == "mp4" else 1e-9), (writer.KIND, position)
    with pytest.raises(IndexError):
        writer.read_frame(target, len(indices))


class _Busy(Stripes):
    """Frames of 256x128 in 4x4 blocks of 16 colours, different every frame: no format squeezes them for free."""

    size = (256, 128)
    COLOURS = np.random.default_rng(3).integers(0, 256, (16, 3)).astype(np.uint8)

    def frame(self, index):
        blocks = np.random.default_rng(index).integers(0, 16, (32, 64))
        return np.repeat(np.repeat(self.COLOURS[blocks], 4, axis=0), 4, axis=1)

    def colours(self):
        return self.COLOURS


class _Interrupted(Stripes):
    def frame(self, index):
        if index == 4:
            raise KeyboardInterrupt
        return super().frame(index)


def test_an_interrupt_leaves_nothing_behind(writer, tmp_path):
    target = _target(tmp_path, writer)
    if writer.STILL:
        pytest.skip("a still is one frame, written at once")
    with pytest.raises(KeyboardInterrupt):
        write_animation(_Interrupted(8), target, fps=10, hold=0, workers=1)
    assert os.listdir(tmp_path) == []


def test_a_byte_budget_is_met_by_every_format_that_says_it_can(writer, tmp_path):
    if writer.FIT is None:
        pytest.skip(f"{writer.KIND} takes no byte budget")
    target = _target(tmp_path, writer)
    full = write_animation(_Busy(12), target, fps=10, hold=0)
    size = os.path.getsize(target)
    os.remove(target)
    fitted = write_animation(_Busy(12), target, fps=10, hold=0, max_bytes=int(size * 0.8))
    assert os.path.getsize(target) <= size * 0.8 and fitted.fit.reduced and full.fit is None
    assert os.listdir(tmp_path) == [os.path.basename(target)]


def test_the_book_and_pages_take_every_inline_animation():
    assert {"gif", "mp4", "webp"} <= set(animation_formats())
    assert "png" not in animation_formats() and "frames" not in animation_formats()


# -- the rule: a format's name and extensions are written in its own module only --------------------

# where a format is named for a reason of its own, not as a choice among outputs
NOT_A_CHOICE = {
    os.path.join("animator_app", "snapshots", "files.py"): "frame snapshots are stored as PNG files, whatever was rendered",
    os.path.join("renderers", "figures.py"): "matplotlib's savefig is told the format of Figure 14's still",
    os.path.join("renderers", "deck.py"): "a movie is copied to a scratch .mp4 for ffmpeg to read its poster",
    os.path.join("renderers", "training.py"): "a notebook shows a Recording's last frame as an inline PNG",
}


def test_no_module_but_the_formats_own_names_a_format():
    import inspect

    # "frames" also names a Recording's frame epochs and a budget's knob, so only extensions and the
    # file formats' kinds are looked for
    words = {kind for kind in FORMATS if not writer_named(kind).DIRECTORY}
    words |= {extension for writer in formats() for extension in writer.EXTENSIONS}
    members = {os.path.relpath(inspect.getsourcefile(writer), ROOT) for writer in formats()}
    found = spelled(words, allowed=members | set(NOT_A_CHOICE))
    assert not found, "format names outside their modules:\n" + "\n".join(found)

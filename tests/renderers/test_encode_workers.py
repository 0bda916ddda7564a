"""Frames encoded in the workers: the same bytes as encoding in order in one process, whatever the workers."""

import hashlib

import numpy as np
import pytest

from animator import RunConfig, train
from renderers.render import iter_encoded, write_animation
from renderers.training import TrainingAnimation
from renderers.writers.frames_folder import PngSequenceWriter
from renderers.writers.gif import GifWriter
from renderers.writers.html import HtmlWriter


class Counting:
    """A frame source whose frame ``i`` is filled with ``i``: cheap, and says which frame it is."""

    size = (8, 6)

    def __init__(self, count):
        self.count = count

    def __len__(self):
        return self.count

    def frame(self, index):
        return np.full((6, 8, 3), index % 256, dtype=np.uint8)


def pair(position, item, previous):
    """What a frame is encoded against: its position, its value and the value of the frame before it."""
    return position, int(item[0, 0, 0]), None if previous is None else int(previous[0, 0, 0])


@pytest.mark.parametrize("workers", [1, 2, 3])
@pytest.mark.parametrize("count", [7, 8, 61])
def test_each_frame_is_encoded_against_the_frame_before_it_in_order(workers, count):
    made = list(iter_encoded(Counting(count), range(count), encode=pair, workers=workers))
    assert made == [(p, p, None if p == 0 else p - 1) for p in range(count)]


def test_frames_chosen_out_of_order_are_encoded_against_the_one_chosen_before():
    chosen = [5, 3, 9, 9, 0, 1, 2, 4, 8, 7, 6, 11]
    made = list(iter_encoded(Counting(12), chosen, encode=pair, workers=2))
    assert made == [(p, i, None if p == 0 else chosen[p - 1]) for p, i in enumerate(chosen)]


def test_a_failure_in_a_worker_is_raised_here_naming_the_frame():
    def encode(position, item, previous):
        if position == 37:
            raise ValueError("no room")
        return b""

    with pytest.raises(RuntimeError, match=r"frame worker failed on frame 37 .*ValueError: no room"):
        list(iter_encoded(Counting(60), range(60), encode=encode, workers=2))


@pytest.fixture(scope="module")
def animation():
    recording = train(RunConfig(epochs=120, frames=30, grid_resolution=24,
                                hyperparameters={"decay": 1e-3, "momentum": 0.9}))
    return TrainingAnimation(recording, size=(480, 270))


@pytest.mark.parametrize("hold", [0.0, 1.5])
def test_a_gif_encoded_in_workers_is_the_gif_encoded_in_order(animation, tmp_path, hold):
    digests = set()
    for workers in (1, 2, 3):
        out = tmp_path / f"w{workers}.gif"
        write_animation(animation, out, fps=30, hold=hold, workers=workers)
        digests.add(hashlib.sha256(out.read_bytes()).hexdigest())
    serial = tmp_path / "serial.gif"
    writer = GifWriter.for_source(serial, animation, fps=30, hold=hold)
    with writer:
        for index in range(len(animation)):
            writer.write(animation.frame(index))
    digests.add(hashlib.sha256(serial.read_bytes()).hexdigest())
    assert len(digests) == 1


def test_a_player_page_made_in_workers_is_the_page_made_in_order(animation, tmp_path):
    pages = set()
    for workers in (1, 2, 3):
        out = tmp_path / f"w{workers}.html"
        write_animation(animation, out, fps=25, hold=0.5, workers=workers)
        pages.add(out.read_bytes())
    serial = tmp_path / "serial.html"
    with HtmlWriter.for_source(serial, animation, fps=25, hold=0.5) as writer:
        for index in range(len(animation)):
            writer.write(animation.frame(index))
    pages.add(serial.read_bytes())
    assert len(pages) == 1


def test_a_gif_takes_its_frames_encoded_or_as_pictures_not_both(animation, tmp_path):
    writer = GifWriter.for_source(tmp_path / "mixed.gif", animation, fps=25, hold=0)
    encode = writer.encoder(2)
    first = writer.quantize(animation.frame(0))
    with pytest.raises(ValueError, match="either encoded or as pictures"):
        with writer:
            writer.write_encoded(encode(0, first, None))
            writer.write(animation.frame(1))
    assert not (tmp_path / "mixed.gif").exists()


def _folder(directory):
    """Every file of a frames folder (the marker, the description, the LaTeX line and the poster too): name to bytes."""
    return {path.name: path.read_bytes() for path in sorted(directory.iterdir()) if path.is_file()}


def test_a_frames_folder_made_in_workers_is_the_folder_made_in_order(animation, tmp_path, monkeypatch):
    assert PngSequenceWriter(tmp_path / "unused").encoder(1) is not None     # its PNGs are made in the workers
    folders = []
    for workers in (1, 2):
        (tmp_path / f"w{workers}").mkdir()
        monkeypatch.chdir(tmp_path / f"w{workers}")     # the LaTeX line names the folder as it was given
        write_animation(animation, "frames/", fps=25, hold=0, workers=workers, poster=len(animation) - 1,
                        latex=True, metadata="{}")
        folders.append(_folder(tmp_path / f"w{workers}" / "frames"))
    (tmp_path / "serial").mkdir()
    monkeypatch.chdir(tmp_path / "serial")
    described = folders[0]["animation.json"].decode("ascii").removesuffix("\n")   # as write_animation worded it
    # and each frame as PngSequenceWriter.write makes it in this process, one after the other
    with PngSequenceWriter.for_source("frames/", animation, fps=25, hold=0, metadata=described) as writer:
        for index in range(len(animation)):
            writer.write(animation.frame(index))
    folders.append(_folder(tmp_path / "serial" / "frames"))
    assert len(folders[0]) == len(animation) + 4          # the frames, the marker, animation.json and .tex, poster
    assert folders[0] == folders[1]
    frames = {name: data for name, data in folders[0].items() if name.startswith("frame_")}
    assert frames == {name: data for name, data in folders[2].items() if name.startswith("frame_")}

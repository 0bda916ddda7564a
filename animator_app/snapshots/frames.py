"""Frames for snapshots: drawn the same way on every machine, or read back from a rendered file; compared.

A Recording's frame is drawn at 640x360 on Agg with matplotlib's default
settings (whatever a matplotlibrc or style says) and the DejaVu Sans bundled
with matplotlib.  What still changes pixels is the rasteriser: matplotlib's
and Pillow's versions (and the FreeType each was built with), and numpy's,
through the trained numbers; :func:`versions` names them.
"""

import contextlib
import os

import numpy as np

from animator.recording import Recording

FRAME_SIZE = (640, 360)


@contextlib.contextmanager
def pinned():
    """matplotlib's default settings, whatever a matplotlibrc or style says: the bundled DejaVu Sans, Agg."""
    import matplotlib.style

    with matplotlib.style.context("default"):
        yield


def frame_of(source, frame="last", *, index=None, size=FRAME_SIZE, theme="default"):
    """``(image, label)``: the (H, W, 3) uint8 frame of ``source`` that ``frame`` or ``index`` picks, and its name."""
    from renderers.layout import FrameSource
    from renderers.render import Animation
    from renderers.training import TrainingAnimation
    from renderers.writers import pick_frame

    if isinstance(source, Animation):
        return _file_frame(source, frame, index)
    with pinned():
        if isinstance(source, Recording):
            source = TrainingAnimation(source, size=tuple(size), theme=theme)
        elif not isinstance(source, FrameSource):
            raise TypeError(f"frame_snapshot.assert_match takes a Recording, a layout or an Animation, "
                            f"not {type(source).__name__}")
        position = _position(len(source), index) if index is not None else pick_frame(source, frame)
        image = np.asarray(source.frame(position))
    shows = "epoch" if isinstance(source, TrainingAnimation) else "epoch or step"
    return image, f"frame {position} ({shows} {int(source.epochs[position])})"


def _position(count, index):
    if not -count <= index < count:
        raise IndexError(f"index {index} is out of range: the source has {count} frames")
    return index % count


def _file_frame(animation, frame, index):
    """A frame read back from the file an :class:`~renderers.render.Animation` names, by its format's writer."""
    from renderers.writers import writer_named

    if index is None:
        if frame not in ("first", "last", None):
            raise ValueError(f"frame={frame!r}: an Animation file does not know its frames' epochs; "
                             f"pass index= or frame='first' / 'last'")
        index = 0 if frame == "first" else -1
    position = _position(animation.frames, index)
    image = writer_named(animation.kind).read_frame(animation.path, position)
    return image, f"frame {position} of {os.path.basename(os.path.normpath(animation.path))}"


def frame_verdict(actual, expected, tolerance):
    """None when the frames match, else why not, in a few words."""
    if actual.shape != expected.shape:
        return (f"the frame is {actual.shape[1]}x{actual.shape[0]} where the snapshot is "
                f"{expected.shape[1]}x{expected.shape[0]}")
    rms = float(np.sqrt(np.mean((actual.astype(np.float64) - expected.astype(np.float64)) ** 2)))
    if rms <= tolerance:
        return None
    differs = np.abs(actual.astype(np.int16) - expected).max(axis=2) > 0
    rows, cols = np.nonzero(differs)
    return (f"RMS {rms:.2f} > tolerance {tolerance:g} (RGB, 0-255); {int(differs.sum())} pixels differ, "
            f"within x {cols.min()}-{cols.max()}, y {rows.min()}-{rows.max()}")


def diff_image(actual, expected):
    """The expected frame faded to light grey, with every differing pixel red (darker red: larger difference)."""
    grey = expected.astype(np.float64).mean(axis=2, keepdims=True)
    faded = np.repeat(255 - (255 - grey) * 0.3, 3, axis=2)
    gap = np.abs(actual.astype(np.int16) - expected).max(axis=2)
    strength = np.where(gap > 0, np.clip(gap / 64, 0.35, 1.0), 0.0)[..., None]
    red = np.array([200.0, 0.0, 0.0])
    return np.rint(faded * (1 - strength) + red * strength).astype(np.uint8)


def versions():
    """The versions that decide a frame's pixels: numpy, matplotlib and Pillow, and the FreeType of each."""
    from matplotlib import ft2font
    from PIL import features

    from animator.versions import library_versions, run_versions

    engine, drawing = run_versions(), library_versions("matplotlib", "PIL")
    return {"animator": engine["animator"], "numpy": engine["numpy"], "matplotlib": drawing["matplotlib"],
            "FreeType (matplotlib)": ft2font.__freetype_version__, "Pillow": drawing["PIL"],
            "FreeType (Pillow)": features.version("freetype2") or "none"}


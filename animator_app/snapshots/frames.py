"""Frames for snapshots: drawn the same way on every machine, or read back from a rendered file; compared.

A Recording's, a race's or a descent's frame is drawn at 640x360 on Agg with
matplotlib's default settings (whatever a matplotlibrc or style says) and the
DejaVu Sans bundled with matplotlib; a file's is read back by its format's
writer (the registry's ``read_frame``); an image or a Figure is taken as it is.
What still changes pixels is the rasteriser: matplotlib's and Pillow's versions
(and the FreeType each was built with), numpy's, through the trained numbers,
and ffmpeg's for a video read back; :func:`versions` names them.
"""

import os
import sys

import numpy as np

from animator.recording import Recording

FRAME_SIZE = (640, 360)


def pinned():
    """matplotlib's default settings (:func:`renderers.layout.pinned`): our layouts pin their own drawing; the
    fixture holds this for the whole test too (see :mod:`.session`), for Figures a test draws itself."""
    from renderers.layout import pinned as layout_pinned

    return layout_pinned()


def frame_of(source, frame="last", *, index=None, size=FRAME_SIZE, theme="default"):
    """``(image, label)``: the (H, W, 3) uint8 frame of ``source`` that ``frame`` or ``index`` picks, and its name.

    ``source`` is a Recording, a race (``RaceResult``), a descent (``Trajectory``),
    several 2-D descents (``{label: Trajectory}``), a layout, an ``Animation``
    that ``renderers.render`` wrote or the path of any file animator writes, an
    image (a numpy array) or a matplotlib Figure.
    """
    image, label, _ = picture(source, frame, index=index, size=size, theme=theme)
    return image, label


def picture(source, frame="last", *, index=None, size=FRAME_SIZE, theme="default"):
    """:func:`frame_of`, and the versions of any decoder that read the frame back (ffmpeg for a video)."""
    from renderers.layout import FrameSource
    from renderers.render import Animation
    from renderers.writers import pick_frame

    if isinstance(source, Animation):
        return _file_frame(source.path, source.kind, frame, index, count=source.frames)
    if isinstance(source, (str, os.PathLike)):
        return _file_frame(source, None, frame, index)
    if isinstance(source, np.ndarray):
        return _image(source), "the image", {}
    if _is_figure(source):
        return _figure_image(source), "the Figure", {}
    with pinned():
        source = _layout(source, size, theme)
        if not isinstance(source, FrameSource):
            raise TypeError(f"frame_snapshot.assert_match takes a Recording, a RaceResult, a Trajectory, a layout, "
                            f"an Animation or a file animator wrote, an image or a Figure, not {type(source).__name__}")
        position = _position(len(source), index) if index is not None else pick_frame(source, frame)
        image = np.asarray(source.frame(position))
    unit = getattr(source, "FRAME_UNIT", "epoch")
    return image, f"frame {position} ({unit} {int(source.epochs[position])})", {}


def _layout(source, size, theme):
    """The layout that draws ``source`` at ``size`` in ``theme``; a layout itself is taken as it is."""
    from animator.descent import Trajectory
    from animator.functions import get_function
    from animator.race import RaceResult

    from animator.landscape import Landscape

    size = tuple(size)
    if isinstance(source, Landscape):
        from renderers.landscape import landscape_animation
        return landscape_animation(source, size=size, theme=theme)
    if isinstance(source, Recording):
        from renderers.training import TrainingAnimation
        return TrainingAnimation(source, size=size, theme=theme)
    if isinstance(source, RaceResult):
        from renderers.race import RaceAnimation
        return RaceAnimation(source, size=size, theme=theme)
    if isinstance(source, dict) and source and all(isinstance(t, Trajectory) for t in source.values()):
        source = list(source.values()), list(source)
    elif isinstance(source, Trajectory):
        source = [source], None
    else:
        return source
    runs, labels = source
    if runs[0].dim == 1 and len(runs) == 1:
        from renderers.descent import DescentAnimation
        return DescentAnimation(runs[0], get_function(runs[0].function, 1), size=size, theme=theme)
    from renderers.contour_race import ContourRace
    return ContourRace(runs, get_function(runs[0].function, 2), size=size, labels=labels, theme=theme)


def _is_figure(value):
    figure = sys.modules.get("matplotlib.figure")
    return figure is not None and isinstance(value, figure.Figure)


def _figure_image(figure):
    """A Figure's pixels as Agg draws them at its own size and dpi, whatever canvas it is on."""
    import io

    buffer = io.BytesIO()
    with pinned():
        figure.savefig(buffer, format="rgba", dpi=figure.dpi)
    width, height = (int(round(v)) for v in figure.get_size_inches() * figure.dpi)
    rgba = np.frombuffer(buffer.getvalue(), dtype=np.uint8).reshape(height, width, 4)
    return _image(rgba)


def _image(array):
    """An image as (H, W, 3) uint8: grey or RGB(A), whole numbers 0-255 or floats 0-1 (alpha over white)."""
    image = np.asarray(array)
    if image.ndim == 2:
        image = image[..., None].repeat(3, axis=2)
    if image.ndim != 3 or image.shape[2] not in (3, 4) or 0 in image.shape:
        raise ValueError(f"an image is (H, W), (H, W, 3) or (H, W, 4), not {image.shape}")
    if image.dtype.kind == "f":
        if not np.all(np.isfinite(image)) or image.min() < 0 or image.max() > 1:
            raise ValueError("a float image holds values from 0 to 1")
        image = image * 255.0
    elif image.dtype != np.uint8 and (image.dtype.kind not in "ui" or image.min() < 0 or image.max() > 255):
        raise ValueError(f"an image of {image.dtype} holds 0 to 255")
    image = image.astype(np.float64)
    if image.shape[2] == 4:
        alpha = image[..., 3:] / 255.0
        image = image[..., :3] * alpha + 255.0 * (1 - alpha)
    return np.ascontiguousarray(np.rint(image).astype(np.uint8))


def _position(count, index):
    if not -count <= index < count:
        raise IndexError(f"index {index} is out of range: the source has {count} frames")
    return index % count


def _file_frame(path, kind, frame, index, count=None):
    """A frame read back from a file animator wrote, by its format's writer (``read_frame``)."""
    from renderers.writers import writer_for, writer_named

    writer = writer_named(kind) if kind else writer_for(path)
    if index is None:
        if frame not in ("first", "last", None):
            raise ValueError(f"frame={frame!r}: a file does not know its frames' epochs; "
                             f"pass index= or frame='first' / 'last'")
        index = 0 if frame == "first" else -1
    if index < 0:
        count = count if count is not None else _count(writer, path)
        index = _position(count, index)
    try:
        image = writer.read_frame(path, index)
    except IndexError:
        raise IndexError(f"index {index} is out of range: {os.fspath(path)} has {_count(writer, path)} frames") \
            from None
    return image, f"frame {index} of {os.path.basename(os.path.normpath(path))}", decoders(writer)


def _count(writer, path):
    """How many frames ``path`` holds, found by reading (the registry's ``read_frame`` says when there is none)."""
    def has(i):
        try:
            writer.read_frame(path, i)
            return True
        except IndexError:
            return False

    high = 1
    while has(high):
        high *= 2
    low = high // 2             # has(low) or low == 0; not has(high)
    while low + 1 < high:
        middle = (low + high) // 2
        low, high = (middle, high) if has(middle) else (low, middle)
    return low + 1 if has(low) else 0


def decoders(writer):
    """The versions of what decodes ``writer``'s files besides Pillow: ffmpeg for video (``MIME`` video/...)."""
    if not writer.MIME.startswith("video/"):
        return {}
    import imageio_ffmpeg

    return {"ffmpeg": imageio_ffmpeg.get_ffmpeg_version()}


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


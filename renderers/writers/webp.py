"""Animated WebP: true colour, lossless by default (every pixel exact), lossy only to meet a byte budget.

Pillow's encoder pulls frames (``save_all``), while writers are pushed one
frame at a time; a :class:`_Pulled` image hands the encoder each frame as
``write`` receives it, from a small queue, so an animation is never held in
memory whole.  The run's description goes in the file's ``XMP`` chunk as one
attribute of an XMP packet, where other tools expect metadata; a reader walks
the RIFF chunk headers to it without reading a frame.

WebP's encoder merges a frame identical to the one before into it (a longer
frame), so the file may hold fewer frames than were written.  The packet also
keeps the frame step and, when a budget dropped frames, how many steps each
written frame lasts, so :meth:`WebpWriter.read_frame` finds written frame
``i`` by its time, whatever was merged.
"""

import html
import os
import queue
import re
import struct
import threading

import numpy as np
from PIL import Image

from animator.errors import UserError
from animator.fileio import atomic_output
from animator.untrusted import Untrusted, open_input

from .budget import Fitter, Stage
from .metadata import MAX_DESCRIPTION, decode_metadata
from .registry import Writer, register

LOSSLESS = 101         # the quality setting that stands for lossless (lossy qualities are 0-100)
EFFORT = 4             # Pillow's ``method``: as small as 6 within a percent or two, several times faster
MAX_CHUNKS = 1 << 20   # chunk headers a reader walks at most: far above one per frame of any animation
_ATTRIBUTE = re.compile(rb'animator:([a-z-]+)="([^"]*)"')
_NAMESPACE = "urn:animator:description"


def xmp_packet(attributes):
    """An XMP packet holding ``attributes`` (name -> ASCII text) in animator's namespace, escaped."""
    held = " ".join(f'animator:{name}="{html.escape(value, quote=True)}"' for name, value in attributes.items())
    return ('<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#">'
            f'<rdf:Description rdf:about="" xmlns:animator="{_NAMESPACE}" {held}/></rdf:RDF></x:xmpmeta>'
            ).encode("ascii")


def read_webp_metadata(path):
    """The description in a WebP's XMP chunk, or None; chunk headers are walked, frames never read."""
    text = _attributes(path).get("description")
    return decode_metadata(text) if text is not None else None


def _attributes(path):
    """animator's attributes in the WebP's XMP packet (``{}`` if it has none)."""
    with open_input(path) as handle:
        head = handle.read(12)
        if len(head) < 12 or head[:4] != b"RIFF" or head[8:12] != b"WEBP":
            return {}
        for _ in range(MAX_CHUNKS):
            header = handle.read(8)
            if len(header) < 8:
                return {}
            kind, size = header[:4], struct.unpack("<I", header[4:])[0]
            if kind == b"XMP ":
                if size > 4 * MAX_DESCRIPTION:
                    raise Untrusted(f"{path}: its XMP chunk is larger than animator reads")
                return {name.decode("ascii"): html.unescape(value.decode("ascii", "replace"))
                        for name, value in _ATTRIBUTE.findall(handle.read(size))}
            handle.seek(size + (size & 1), os.SEEK_CUR)
    return {}


class _Pulled(Image.Image):
    """An RGB image of ``count`` frames whose ``seek(i)`` takes frame i from ``frames`` as it arrives.

    Only forward steps pull a frame; the encoder's closing ``seek`` back to the
    first frame is a no-op, as its frames are all encoded by then.
    """

    def __init__(self, frames, size, count):
        super().__init__()
        self._frames, self.n_frames, self._at = frames, count, -1
        self._mode, self._size = "RGB", size
        self.info = {}
        self.seek(0)

    @property
    def is_animated(self):
        return self.n_frames > 1

    def seek(self, index):
        while self._at < index:
            self.im = Image.fromarray(self._frames()).im
            self._at += 1

    def tell(self):
        return max(self._at, 0)


@register
class WebpWriter(Writer):
    """An animated WebP, looping ``loop`` plays (0, the default: for ever): lossless true colour, or lossy at
    ``quality`` (0-100)."""

    KIND = "webp"
    EXTENSIONS = (".webp",)
    MIME = "image/webp"
    HTML_TAG = "img"
    SIGNATURES = (b"RIFF",)
    LOOPS = True

    @classmethod
    def read_metadata(cls, path):
        return read_webp_metadata(path)

    @classmethod
    def read_frame(cls, path, index):
        """Written frame ``index``, found by its time (merged frames are one frame lasting longer)."""
        timing = _attributes(path)
        with open_input(path) as handle, Image.open(handle) as image:
            stored = getattr(image, "n_frames", 1)
            try:
                step = float(timing["step-ms"])
                lengths = [int(n) for n in timing["lengths"].split(",")] if "lengths" in timing \
                    else [1] * int(timing["count"])
            except (KeyError, ValueError):
                step, lengths = None, [1] * stored           # not animator's: the stored frames as they are
            if not 0 <= index < len(lengths):
                raise IndexError(f"{path} has {len(lengths)} frames, not a frame {index}")
            position = index
            if step is not None:
                start = round(step * sum(lengths[:index]))
                position = 0
                for k in range(stored):
                    image.seek(k)
                    image.load()
                    if image.info.get("timestamp", 0) > start:
                        break
                    position = k
            image.seek(position)
            return np.asarray(image.convert("RGB"))

    @classmethod
    def for_source(cls, path, source, *, fps, hold, metadata=None, **options):
        return cls(path, fps=fps, hold=hold, lengths=[1] * len(cls.frames_to_write(source)), metadata=metadata,
                   loop=options.get("loop") or 0)

    def __init__(self, path, *, fps, lengths, hold=0.0, quality=LOSSLESS, metadata=None, loop=0):
        """``lengths``: for each frame ``write`` will be given, how many steps of ``1 / fps`` it lasts (1,
        or more where a byte budget dropped frames; the encoder needs every duration before it starts);
        ``quality``: 0-100 for lossy, :data:`LOSSLESS` (the default) for exact pixels."""
        self.path, self.fps, self.hold = os.fspath(path), fps, hold
        self.lengths = [int(n) for n in lengths]
        self.quality, self.metadata = quality, metadata
        self.loop = loop           # WebP's loop count is of plays, as the option's: 0 for ever
        self._written = 0

    def __enter__(self):
        self._queue = queue.Queue(maxsize=4)
        self._failure = None
        self._output = atomic_output(self.path)
        self._temporary = self._output.__enter__()
        self._thread = None
        return self

    def write(self, frame):
        """Add an (H, W, 3) RGB frame."""
        frame = np.ascontiguousarray(frame, dtype=np.uint8)
        if self._written >= len(self.lengths):
            raise ValueError(f"{self.path}: more frames than the {len(self.lengths)} announced")
        self._written += 1
        if self._thread is None:
            size = (frame.shape[1], frame.shape[0])
            self._thread = threading.Thread(target=self._encode, args=(size,), daemon=True)
            self._thread.start()
        self._put(frame)

    def _put(self, item):
        while True:
            if self._failure is not None:
                raise self._failure
            try:
                self._queue.put(item, timeout=0.5)
                return
            except queue.Full:
                if not self._thread.is_alive():
                    raise self._failure or RuntimeError("the WebP encoder stopped") from None

    def _take(self):
        item = self._queue.get()
        if item is None:
            raise EOFError("no more frames")
        return item

    def _packet(self):
        step = 1000.0 / self.fps
        timing = {"step-ms": repr(step)}
        if any(n != 1 for n in self.lengths):
            timing["lengths"] = ",".join(str(n) for n in self.lengths)
        else:
            timing["count"] = str(len(self.lengths))
        described = {} if self.metadata is None else {"description": self.metadata}
        return xmp_packet({**described, **timing})

    def _encode(self, size):
        try:
            image = _Pulled(self._take, size, len(self.lengths))
            step = 1000.0 / self.fps
            durations = [step * n for n in self.lengths]
            durations[-1] += self.hold * 1000.0
            options = {"lossless": True, "quality": 50} if self.quality >= LOSSLESS else \
                {"lossless": False, "quality": int(self.quality)}
            # kmax=0: no key frame after the first. Players decode from the start anyway, and the chapter's
            # frames (flat regions, a little changing each time) came out 30% smaller and twice as fast
            image.save(self._temporary, format="WEBP", save_all=True, loop=self.loop, method=EFFORT, duration=durations,
                       kmin=0, kmax=0, xmp=self._packet(), **options)
        except BaseException as error:        # handed to the writing thread, which raises it
            self._failure = error

    def __exit__(self, exc_type, exc, tb):
        try:
            if exc_type is None:
                if not self._written:
                    raise UserError(f"{self.path}: no frames to write")
                if self._written != len(self.lengths):
                    raise ValueError(f"{self.path}: {self._written} frames written, {len(self.lengths)} announced")
                self._put(None)
                self._thread.join()
                if self._failure is not None:
                    raise self._failure
            elif self._thread is not None:
                self._drain()
        except BaseException as error:
            self._output.__exit__(type(error), error, error.__traceback__)
            raise
        return self._output.__exit__(exc_type, exc, tb)

    def _drain(self):
        """Stop the encoder after a failure: it is told there are no more frames and ends with an error."""
        while self._thread.is_alive():
            try:
                self._queue.put(None, timeout=0.1)
            except queue.Full:
                try:
                    self._queue.get_nowait()
                except queue.Empty:
                    pass
        self._thread.join()


class WebpFit(Fitter):
    """How a WebP meets a byte budget: lossy quality first (true colour stays), then frames, then size."""

    STAGES = (Stage("quality", 40, choices=(90, 80, 70, 60, 50, 40)),
              Stage("frames", lambda start: max(2, start["frames"] // 2)),
              Stage("quality", 10, choices=(30, 20, 10)),
              Stage("size", lambda start: max(1, start["size"] // 2)))

    def settings(self):
        return {"quality": self.writer.quality, "frames": len(self.spill), "size": self.width}

    def predict(self, knob, points, target):
        if knob == "quality":
            return points[-1][0] - 10          # the next quality down; no model
        return super().predict(knob, points, target)

    def shown(self, knob, value):
        if knob == "quality":
            return "lossless" if value >= LOSSLESS else value
        return super().shown(knob, value)

    def encode(self, settings, path):
        kept = self.kept(settings)
        width = settings["size"]
        writer = WebpWriter(path, fps=self.fps, hold=self.hold, lengths=[frames for _, frames in kept],
                            quality=settings["quality"], metadata=self.metadata)
        with writer:
            for position, _ in kept:
                writer.write(self.at_width(self.spill[position], width))


WebpWriter.FIT = WebpFit

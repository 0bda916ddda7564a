"""PNG: one chosen frame as a file, or every frame into a folder.

A frames folder never destroys anything that is not ours.  It is written only
into a folder that is new, empty, or holds a previous frames output of this
tool, recognised by its marker file ``.animator-frames``: a first line
``animator frames``, then the name of every file written with it (the frames,
and ``animation.json`` and ``animation.tex`` if they were written).  Such a
folder may hold only the marker, files it lists, and ``.animator-frames.*.part``
folders left by an interrupted run; then those are replaced.  Anything else,
and the folder is refused with one line before any work, with nothing touched.

Beside the frames go ``animation.json``, the description every output carries
(see :mod:`.metadata`; each frame also has it as a ``tEXt`` chunk), and on
request ``animation.tex``: the line of LaTeX's ``animate`` package that plays
the frames, ``\\animategraphics[<options>]{<frame rate>}{<file basename>}{<first>}{<last>}``.

Frames are written into a hidden ``.animator-frames.*.part`` folder inside the
target and moved into place only when all are done, so an error, Ctrl-C or
SIGTERM leaves the folder as it was (a folder we created is removed again).
The move keeps the folder a recognisable frames output at every step (the
marker first lists old and new frames, then only the new), and runs with
Ctrl-C and SIGTERM held back, so it is not cut short.  The folder itself
keeps its permissions; a new one gets the usual ``0777 & ~umask``.
"""

import contextlib
import io
import os
import re
import shutil
import signal
import struct
import tempfile

import numpy as np
from PIL import Image

from animator.errors import ArgumentError, UserError
from animator.fileio import atomic_output, write_failure
from animator.untrusted import open_input, read_bounded

from .estimate import Cost
from .metadata import MAX_DESCRIPTION, decode_metadata, read_png_metadata, with_png_text
from .registry import Writer, register

MARKER = ".animator-frames"
MARKER_HEADER = "animator frames"
PART_PREFIX = ".animator-frames."
FRAME_PREFIX = "frame_"
FRAME_NAME = re.compile(r"frame_\d{5,}\.png")
FRAME_NAME_NUMBER = re.compile(r"frame_(\d{5,})\.png")
METADATA_NAME = "animation.json"
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
LATEX_NAME = "animation.tex"
POSTER_NAME = "poster.png"
EXTRAS = (METADATA_NAME, LATEX_NAME, POSTER_NAME)      # files a frames output may hold beside its frames


def _read_png(path):
    """An animator PNG's pixels as RGB, read as data (a regular file, Pillow's pixel limit)."""
    with open_input(path) as handle, Image.open(handle) as image:
        return np.asarray(image.convert("RGB"))


def _owned(name):
    """Whether ``name`` is a file a frames output writes (a frame or one of the extras)."""
    return bool(FRAME_NAME.fullmatch(name)) or name in EXTRAS


def _png_bytes(frame, metadata=None):
    buffer = io.BytesIO()
    Image.fromarray(np.asarray(frame)).save(buffer, format="PNG", optimize=False, compress_level=6)
    data = buffer.getvalue()
    return data if metadata is None else with_png_text(data, metadata)


def write_png(path, frame, *, metadata=None):
    """One frame as a PNG, atomically; ``metadata`` (text) goes into a ``tEXt`` chunk ``animator``."""
    with atomic_output(path) as temporary:
        with open(temporary, "wb") as handle:
            handle.write(_png_bytes(frame, metadata))


def animategraphics(prefix, *, fps, first, last, poster=None):
    """The ``animate`` package's line for frames ``{prefix}{first}.png`` to ``{prefix}{last}.png``.

    ``first`` and ``last`` are the numbers as the file names spell them (leading
    zeros included, as the package requires); ``poster`` is the zero-based frame
    shown before the animation plays and when the page is printed.

    >>> animategraphics("frames/frame_", fps=25, first="00000", last="00199")
    '\\\\animategraphics[loop,controls,autoplay,width=\\\\linewidth]{25}{frames/frame_}{00000}{00199}'
    """
    options = ["loop", "controls", "autoplay", "width=\\linewidth"]
    if poster is not None:
        options.append(f"poster={poster}")
    return f"\\animategraphics[{','.join(options)}]{{{fps:g}}}{{{prefix}}}{{{first}}}{{{last}}}"


def check_frame_choice(which, argument="frame"):
    """An :class:`ArgumentError` unless ``which`` is ``first``, ``last``, None or a whole number (an epoch)."""
    if which in (None, "first", "last"):
        return
    try:
        int(which)
    except (TypeError, ValueError):
        raise ArgumentError(argument, f"must be first, last or an epoch number (got {which!r})") from None


def pick_frame(source, which, argument="frame"):
    """Index of ``which`` (``first``, ``last`` or an epoch number) among the frames of ``source``.

    ``argument`` names the option in errors (``frame``, or ``poster`` for a poster frame).
    """
    check_frame_choice(which, argument)
    if which in (None, "last"):
        return len(source) - 1
    if which == "first":
        return 0
    epoch = int(which)
    matches = np.flatnonzero(source.epochs == epoch)
    if matches.size == 0:
        near = source.epochs[np.argsort(np.abs(source.epochs - epoch))[:3]]
        raise ArgumentError(argument, f"{epoch}: no frame at that epoch; the nearest are at epochs "
                                      f"{', '.join(str(e) for e in sorted(near))}")
    return int(matches[0])


def poster_path(path, *, directory=False):
    """Where the poster of the animation ``path`` goes: ``NAME.poster.png`` beside it, or
    ``poster.png`` inside a frames folder (``directory=True``), listed in its marker with the frames."""
    text = os.fspath(path)
    if directory:
        return os.path.join(text.rstrip(os.sep) or os.sep, POSTER_NAME)
    return os.path.splitext(text)[0] + ".poster.png"


def check_poster_target(path):
    """A poster may replace only a poster: an existing ``NAME.poster.png`` must be a PNG animator wrote.

    Anything else there (the user's own picture, a folder, a link) is refused
    in one line before any work, and left as it is.
    """
    from .metadata import read_png_metadata

    if not os.path.lexists(path):
        return
    if os.path.islink(path) or not os.path.isfile(path):
        raise UserError(f"{path}: exists and is not a poster animator wrote; move it or choose another output name")
    try:
        ours = read_png_metadata(path)
    except (OSError, ValueError):
        ours = None
    if not isinstance(ours, dict) or "animator" not in ours:
        raise UserError(f"{path}: exists and is not a poster animator wrote; move it or choose another output name")


@register
class PngWriter(Writer):
    """One frame of the animation (``frame``: ``first``, ``last`` or an epoch) as a PNG."""

    KIND = "png"
    EXTENSIONS = (".png",)
    STILL = True
    SUMMARY = "one frame"
    MIME = "image/png"
    HTML_TAG = "img"
    DECK = "picture"
    SIGNATURES = (PNG_SIGNATURE,)

    @classmethod
    def declared_size(cls, head):
        if len(head) < 24 or head[12:16] != b"IHDR":
            return None
        return struct.unpack(">II", head[16:24])

    @classmethod
    def read_frame(cls, path, index):
        if index != 0:
            raise IndexError(f"{path} is one frame, not a frame {index}")
        return _read_png(path)

    @classmethod
    def frames_to_write(cls, source, *, frame=None):
        return [pick_frame(source, frame)]

    @classmethod
    def read_metadata(cls, path):
        return read_png_metadata(path)

    @classmethod
    def for_source(cls, path, source, *, fps, hold, metadata=None, **options):
        return cls(path, metadata=metadata)

    def __init__(self, path, *, fps=None, hold=None, metadata=None):
        self.path = path
        self.metadata = metadata
        self._written = False

    def write(self, frame):
        if self._written:
            raise ValueError("a PNG holds one frame")
        write_png(self.path, frame, metadata=self.metadata)
        self._written = True


def _ours(directory):
    """The entries of ``directory`` if all are a previous frames output (or it is empty); None otherwise."""
    entries = os.listdir(directory)
    listed = set()
    marker = os.path.join(directory, MARKER)
    if os.path.isfile(marker) and not os.path.islink(marker):
        try:
            with open(marker, encoding="utf-8") as handle:
                lines = handle.read().splitlines()
        except (OSError, UnicodeDecodeError):
            return None
        if not lines or lines[0] != MARKER_HEADER:
            return None
        listed = {MARKER} | {name for name in lines[1:] if _owned(name)}
    for name in entries:
        path = os.path.join(directory, name)
        if os.path.islink(path):
            return None
        if name in listed and os.path.isfile(path):
            continue
        if name.startswith(PART_PREFIX) and name.endswith(".part") and os.path.isdir(path):
            continue
        return None
    return entries


def _refusal(directory):
    return UserError(f"{directory}: the folder holds files that are not frames from an earlier run of this tool; "
                     f"give a new or empty folder")


@contextlib.contextmanager
def _signals_held():
    """Ctrl-C, SIGTERM and SIGHUP wait until the block ends (they are delivered then)."""
    held = {signal.SIGINT, signal.SIGTERM, signal.SIGHUP}
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, held)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


@register
class PngSequenceWriter(Writer):
    """Every frame as ``frame_00000.png``, ... in a folder; see the module docstring for what it may replace.

    ``metadata`` (text) is written as ``animation.json`` and into every frame;
    ``poster`` (a frame's index) is copied as ``poster.png``; ``latex=True``
    also writes ``animation.tex`` with the line that plays the frames at
    ``fps`` in a LaTeX document (showing the poster frame when not playing).
    The frames carry no hold: the ``animate`` package plays every frame for
    the same time.
    """

    KIND = "frames"
    DIRECTORY = True
    LATEX = True
    SUMMARY = "of PNG frames"

    @classmethod
    def read_frame(cls, path, index):
        directory = cls._name(path)
        names = sorted(name for name in os.listdir(directory) if FRAME_NAME.fullmatch(name))
        if not 0 <= index < len(names):
            raise IndexError(f"{path} has {len(names)} frames, not a frame {index}")
        return _read_png(os.path.join(directory, names[index]))
    COST = Cost(edge_bytes=75, frame_bytes=1000)    # measured on the chapter's layouts, description included

    @classmethod
    def read_metadata(cls, path):
        described = os.path.join(cls._name(path), METADATA_NAME)
        if not os.path.lexists(described):
            return None
        return decode_metadata(read_bounded(described, MAX_DESCRIPTION).decode("utf-8"))

    @classmethod
    def check_target(cls, path):
        directory = cls._name(path)
        if os.path.lexists(directory):
            if not os.path.isdir(directory):
                raise UserError(f"{directory}: exists and is not a directory")
            if _ours(directory) is None:
                raise _refusal(directory)
            probe_in = directory
        else:
            probe_in = os.path.dirname(os.path.abspath(directory))
            if not os.path.isdir(probe_in):
                raise UserError(f"{directory}: directory {probe_in} does not exist")
        try:
            fd, probe = tempfile.mkstemp(prefix=PART_PREFIX, suffix=".probe", dir=probe_in)
        except OSError as error:
            raise UserError(f"{directory}: directory {probe_in} is not writable ({error.strerror or error})") from None
        os.close(fd)
        os.unlink(probe)

    @classmethod
    def for_source(cls, path, source, *, fps, hold, metadata=None, latex=False, poster=None, **options):
        return cls(path, fps=fps, metadata=metadata, latex=latex, poster=poster)

    @staticmethod
    def _name(path):
        return os.fspath(path).rstrip(os.sep) or os.sep

    def __init__(self, directory, *, fps=None, hold=None, metadata=None, latex=False, poster=None):
        if latex and fps is None:
            raise ArgumentError("fps", "is needed for the LaTeX snippet")
        self.directory = self._name(directory)
        self.fps, self.metadata, self.latex, self.poster = fps, metadata, latex, poster
        self.count = 0
        self._names = []
        self._created = False
        self._part = None

    def __enter__(self):
        self.check_target(self.directory)
        try:
            if not os.path.isdir(self.directory):
                os.mkdir(self.directory)          # mode 0777 & ~umask
                self._created = True
            self._part = tempfile.mkdtemp(prefix=PART_PREFIX, suffix=".part", dir=self.directory)
        except OSError as error:
            self._discard()
            raise UserError(f"{self.directory}: cannot write here ({error.strerror or error})") from None
        return self

    def write(self, frame):
        name = f"{FRAME_PREFIX}{self.count:05d}.png"
        data = _png_bytes(frame, self.metadata)
        self._stage(name, data)
        if self.count == self.poster:
            self._stage(POSTER_NAME, data)
        self.count += 1

    def _stage(self, name, data):
        """Write ``data`` as ``name`` into the part folder, to be moved into place at the end."""
        try:
            with open(os.path.join(self._part, name), "wb") as handle:
                handle.write(data)
        except OSError as error:
            raise write_failure(self.directory, error) from None
        self._names.append(name)

    def _latex(self):
        """``animation.tex``: the ``animate`` line, with the path to the frames as it was given."""
        prefix = self.directory.replace(os.sep, "/") + "/" + FRAME_PREFIX
        frames = [name for name in self._names if FRAME_NAME.fullmatch(name)]
        first, last = (FRAME_NAME_NUMBER.fullmatch(frames[i]).group(1) for i in (0, -1))
        return ("% the frames of this folder as one animation in a LaTeX (e.g. Beamer) document;\n"
                "% in the preamble: \\usepackage{animate}\n"
                + animategraphics(prefix, fps=self.fps, first=first, last=last, poster=self.poster) + "\n")

    def _discard(self):
        if self._part is not None:
            shutil.rmtree(self._part, ignore_errors=True)
        if self._created:
            with contextlib.suppress(OSError):
                os.rmdir(self.directory)

    def _mark(self, names):
        """Write the marker listing ``names`` into place atomically."""
        staged = os.path.join(self._part, MARKER)
        with open(staged, "w", encoding="utf-8") as handle:
            handle.write("\n".join([MARKER_HEADER, *names]) + "\n")
        os.replace(staged, os.path.join(self.directory, MARKER))

    def __exit__(self, exc_type, exc, tb):
        if exc_type is not None:
            self._discard()
            return False
        try:
            if self.count and self.metadata is not None:
                self._stage(METADATA_NAME, (self.metadata + "\n").encode("ascii"))
            if self.count and self.latex:
                self._stage(LATEX_NAME, self._latex().encode("utf-8"))
            with _signals_held():
                old = _ours(self.directory)
                if old is None:                   # someone put files there while we drew
                    raise _refusal(self.directory)
                old_files = [n for n in old if _owned(n)]
                self._mark(sorted(set(old_files) | set(self._names)))
                for name in old_files:
                    if name not in self._names:
                        os.unlink(os.path.join(self.directory, name))
                for name in self._names:
                    os.replace(os.path.join(self._part, name), os.path.join(self.directory, name))
                self._mark(self._names)
                for name in old:
                    path = os.path.join(self.directory, name)
                    if name.startswith(PART_PREFIX) and path != self._part:
                        shutil.rmtree(path, ignore_errors=True)
                os.rmdir(self._part)
        except OSError as error:
            self._discard()
            raise write_failure(self.directory, error) from None
        except BaseException:
            self._discard()
            raise
        return False

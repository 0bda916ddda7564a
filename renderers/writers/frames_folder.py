"""A frames folder: every frame as a PNG in a folder, with its marker and, on request, a LaTeX snippet.

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
import os
import re
import shutil
import signal
import tempfile

from animator.errors import ArgumentError, UserError
from animator.fileio import write_failure
from animator.untrusted import read_bounded

from .estimate import Cost
from .metadata import MAX_DESCRIPTION, decode_metadata
from .png import POSTER_NAME, png_bytes, read_png
from .registry import Writer, register

MARKER = ".animator-frames"
MARKER_HEADER = "animator frames"
PART_PREFIX = ".animator-frames."
FRAME_PREFIX = "frame_"
FRAME_NAME = re.compile(r"frame_\d{5,}\.png")
FRAME_NAME_NUMBER = re.compile(r"frame_(\d{5,})\.png")
METADATA_NAME = "animation.json"
LATEX_NAME = "animation.tex"
EXTRAS = (METADATA_NAME, LATEX_NAME, POSTER_NAME)      # files a frames output may hold beside its frames


def _owned(name):
    """Whether ``name`` is a file a frames output writes (a frame or one of the extras)."""
    return bool(FRAME_NAME.fullmatch(name)) or name in EXTRAS


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
        return read_png(os.path.join(directory, names[index]))
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
        self.write_encoded(png_bytes(frame, self.metadata))

    def encoder(self, count):
        """The function frame workers run to make each frame's PNG (see :meth:`GifWriter.encoder
        <renderers.writers.gif.GifWriter.encoder>`): the bytes :meth:`write` would stage for it."""
        metadata = self.metadata

        def encode(position, frame, previous):
            return png_bytes(frame, metadata)

        return encode

    def write_encoded(self, data):
        """Add a frame as the PNG bytes :meth:`encoder`'s function made of it, in order."""
        name = f"{FRAME_PREFIX}{self.count:05d}.png"
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
                + animategraphics(prefix, fps=self.fps, first=first, last=last,     # no poster chosen: the last frame
                                  poster="last" if self.poster is None else self.poster) + "\n")

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

"""What a writer is, and which one writes a given path.

A writer is a frame sink, as in ``matplotlib.animation``: a context manager
with one method, ``write(item)``, that completes the file in ``__exit__`` (and
leaves the target untouched if the block fails).  Each writer class declares,
as class attributes and class methods, everything the rest of the program asks
before any work is done:

- ``KIND`` (its name: ``"gif"``), ``EXTENSIONS`` (``(".gif",)``) or
  ``DIRECTORY = True`` for a folder of frames; :func:`register` files the class
  under them, and :func:`writer_for` picks it for a path;
- :meth:`Writer.check_options`: the frame rate, hold and size it can write,
  checked without touching any file;
- :meth:`Writer.check_target`: whether the path can be written, before training;
- :meth:`Writer.frames_to_write` and :meth:`Writer.for_source`: which frames of a
  frame source it takes, and the writer made ready for that source (a GIF
  samples frames for its palette);
- ``transform``: a function the frame workers apply to every frame before it
  reaches ``write`` (a GIF maps pixels to palette indices there, in parallel);
- ``encoder(count)`` (optional: lets the frame workers encode): a method
  returning a function ``encode(position, item, previous)`` that the workers
  run on each transformed frame (``previous``: the frame before it, None for the
  first), or None; the parent then hands each result, in order, to
  ``write_encoded(data)`` instead of calling ``write`` (see
  :func:`renderers.frame_workers.iter_encoded`; the GIF, the player and the frames
  folder have it).  The file must be byte for byte what ``write`` makes;
- ``metadata``: every writer takes a description (text, see :mod:`.metadata`) to
  carry inside the file, and :meth:`Writer.read_metadata` reads it back;
- what else it can do, checked by :meth:`Writer.check_extras` before any work:
  ``FIT``, the class that fits the file into a byte budget (see :mod:`.budget`);
  ``LATEX``, whether it can write a LaTeX snippet beside its frames; ``STILL``,
  whether it writes one still (then a poster beside it would be the same picture);
  ``LOOPS``, whether it takes how many times the animation plays (``loop``: 0 for
  ever, the default, or a count of plays; :meth:`Writer.for_source` gets it);
- how other layers show and read it: ``MIME`` (what a notebook or page serves it
  as), ``HTML_TAG`` (``img``, ``video`` or ``iframe``: how a web page shows it),
  ``DECK`` (``picture`` or ``movie`` if a slide deck takes it), ``SIGNATURES``
  (the bytes its files start with, checked before a reader opens one), ``PLAYER``
  (an interactive page), and :meth:`Writer.read_frame` (a frame read back, for
  snapshot tests).

Everything that lists formats (the command line's help, the book's
``--format``, presets, the gallery, decks, the snapshot plugin, error
messages) asks the registry (:func:`formats`), never a list of its own.
Adding a format is one new module in this package: subclass :class:`Writer`,
decorate it with :func:`register`, and import the module in ``__init__.py``.

Argument errors name the Python argument (``fps``, ``hold``, ``size``,
``output``, ``frame``) through :class:`~animator.errors.ArgumentError`; the
command line words them as its flags.
"""

import math
import numbers
import os
from typing import ClassVar

from animator.errors import ArgumentError
from animator.fileio import check_writable

MAX_LOOP = 65535              # plays a loop count may ask for (a GIF's count is two bytes)
MAX_HOLD = 60.0                # seconds the last frame may be held: more is a typo, and would take long to write
MIN_FPS, MAX_FPS = 0.1, 240.0  # frames per second any writer accepts

# extensions that name an input of this tool, never an animation it writes
INPUTS = {".npz": "a Recording", ".csv": "a data file"}

_BY_EXTENSION = {}
_BY_KIND = {}
_DIRECTORY = []


class Writer:
    """The base of every writer: declarations and checks; subclasses implement ``write``."""

    KIND: ClassVar[str] = ""
    EXTENSIONS: ClassVar[tuple] = ()
    DIRECTORY: ClassVar[bool] = False
    FIT: ClassVar[object] = None      # a budget.Fitter subclass if a byte budget can be met
    LATEX: ClassVar[bool] = False     # writes animation.tex for LaTeX's animate package on request
    STILL: ClassVar[bool] = False     # one picture, not an animation
    LOOPS: ClassVar[bool] = False     # takes a loop count: how many times it plays (0: for ever)
    MIME: ClassVar[str] = ""          # media type, for notebooks and pages
    HTML_TAG: ClassVar[str] = ""      # img, video or iframe: how a web page shows it ("" if it cannot)
    DECK: ClassVar[str] = ""          # picture or movie: how a slide deck takes it ("" if it does not)
    SIGNATURES: ClassVar[tuple] = ()  # what its files start with
    PLAYER: ClassVar[bool] = False    # an interactive page rather than a picture
    SUMMARY: ClassVar[str] = ""       # a few words for help text, where the extension does not say it all
    transform = None            # applied to each frame in the frame workers, before ``write``

    @classmethod
    def check_options(cls, *, size, fps, hold):
        """An :class:`ArgumentError` for a frame rate, hold or frame size this writer cannot write."""
        if not (isinstance(fps, numbers.Real) and math.isfinite(fps) and fps > 0):
            raise ArgumentError("fps", f"must be positive (got {fps:g})" if isinstance(fps, numbers.Real)
                                else f"must be a number (got {fps!r})")
        if not MIN_FPS <= fps <= MAX_FPS:
            raise ArgumentError("fps", f"must be between {MIN_FPS:g} and {MAX_FPS:g} frames per second "
                                       f"(got {fps:g})")
        if not (isinstance(hold, numbers.Real) and math.isfinite(hold) and hold >= 0):
            raise ArgumentError("hold", f"must be 0 or more seconds (got {hold:g})" if isinstance(hold, numbers.Real)
                                else f"must be a number (got {hold!r})")
        if hold > MAX_HOLD:
            raise ArgumentError("hold", f"must be at most {MAX_HOLD:g} seconds, the time the last frame stays "
                                        f"before the animation loops (got {hold:g})")

    @classmethod
    def check_extras(cls, *, max_bytes=None, poster=None, latex=False, loop=None):
        """An :class:`ArgumentError` for a byte budget, poster, LaTeX snippet or loop count this writer cannot give."""
        if loop is not None:
            if not cls.LOOPS:
                looping = [w.KIND.upper() for w in formats() if w.LOOPS]
                raise ArgumentError("loop", f"is for {_listed(looping, 'and')} outputs, not {cls.KIND}")
            if not (isinstance(loop, numbers.Integral) and 0 <= loop <= MAX_LOOP):
                raise ArgumentError("loop", f"must be 0 (for ever) to {MAX_LOOP} plays (got {loop!r})")
        if max_bytes is not None:
            if cls.FIT is None:
                fitted = [w.KIND.upper() for w in formats() if w.FIT is not None]
                raise ArgumentError("max_bytes", f"is for {_listed(fitted, 'and')} outputs, not {cls.KIND}")
            if not (isinstance(max_bytes, numbers.Integral) and max_bytes > 0):
                raise ArgumentError("max_bytes", f"must be a positive whole number of bytes (got {max_bytes!r})")
        if poster is not None and cls.STILL:
            raise ArgumentError("poster", f"is for animations; a {cls.KIND} output is one still already")
        if latex and not cls.LATEX:
            raise ArgumentError("latex", f"is for a folder of frames, not {cls.KIND}")

    @classmethod
    def read_metadata(cls, path):
        """The description written into ``path`` by this writer, or None (see :mod:`.metadata`)."""
        return None

    @classmethod
    def declared_size(cls, head):
        """The ``(width, height)`` a file's first bytes ``head`` declare, or None; read before any decoder runs."""
        return None

    @classmethod
    def read_frame(cls, path, index):
        """Frame ``index`` (from 0) of the file ``path`` as written, an (H, W, 3) uint8 array.

        An ``IndexError`` if there is no such frame; formats that cannot be read back raise ``ValueError``.
        """
        raise ValueError(f"frames cannot be read back from a {cls.KIND} output")

    @classmethod
    def check_target(cls, path):
        """A one-line :class:`UserError` if ``path`` could not be written; touches nothing."""
        check_writable(path)

    @classmethod
    def frames_to_write(cls, source, *, frame=None):
        """The indices of ``source``'s frames this writer takes: all of them, in order."""
        return range(len(source))

    @classmethod
    def for_source(cls, path, source, *, fps, hold, metadata=None, **options):
        """A writer for ``path``, made ready for ``source`` (its frames are not drawn yet).

        ``metadata`` is the description's text (:func:`.metadata.encode_metadata`);
        ``options`` are the extras :meth:`check_extras` allowed (``latex``).
        """
        return cls(path, fps=fps, hold=hold)

    def __enter__(self):
        return self

    def __exit__(self, exc_type, exc, tb):
        return False

    def write(self, item):
        raise NotImplementedError


def register(cls):
    """Class decorator: file a :class:`Writer` under its ``KIND`` and ``EXTENSIONS`` (or as the folder writer)."""
    _BY_KIND[cls.KIND] = cls
    for extension in cls.EXTENSIONS:
        _BY_EXTENSION[extension.lower()] = cls
    if cls.DIRECTORY:
        _DIRECTORY[:] = [cls]
    return cls


def writer_for(path):
    """The writer class for ``path``: by extension, or the folder writer for a directory (or a path ending in /).

    An unknown extension, or one naming an input of this tool (``.npz``), is an
    :class:`ArgumentError` for ``output``.
    """
    text = os.fspath(path)
    if _DIRECTORY and (text.endswith(os.sep) or os.path.isdir(text)):
        return _DIRECTORY[0]
    extension = os.path.splitext(text)[1].lower()
    if extension in _BY_EXTENSION:
        return _BY_EXTENSION[extension]
    if extension in INPUTS:
        raise ArgumentError("output", f"{text}: {extension} is {INPUTS[extension]}, an input, not an animation "
                                      f"(use {choices()})")
    raise ArgumentError("output", f"{text}: unknown output type {extension or '(no extension)'!r} "
                                  f"(use {choices()})")


def writer_named(kind):
    """The writer class registered as ``kind`` (``"gif"``, ``"frames"``, ``"null"``, ...)."""
    try:
        return _BY_KIND[kind]
    except KeyError:
        raise ArgumentError("output", f"{kind!r} is not an output type (choose from {', '.join(_BY_KIND)})") from None


def formats():
    """Every registered writer that writes files (the null writer is left out), in registration order."""
    return [cls for cls in _BY_KIND.values() if cls.EXTENSIONS or cls.DIRECTORY]


def animation_formats():
    """The kinds of single files that hold a whole animation a web page shows inline (``img`` or ``video``)."""
    return [cls.KIND for cls in formats()
            if cls.EXTENSIONS and not cls.STILL and not cls.DIRECTORY and cls.HTML_TAG in ("img", "video")]


def still_formats():
    """The kinds of files that hold one picture (``png``)."""
    return [cls.KIND for cls in formats() if cls.STILL and cls.EXTENSIONS]


def _listed(names, word):
    return ", ".join(names[:-1]) + f" {word} " + names[-1] if len(names) > 1 else "".join(names)


def kinds():
    """What ``-o`` may be, for help text and error messages: ``['.gif', '.mp4', ..., 'a directory ending in /']``."""
    return list(_BY_EXTENSION) + (["a directory ending in /"] if _DIRECTORY else [])


def choices():
    names = kinds()
    return ", ".join(names[:-1]) + ", or " + names[-1] if len(names) > 1 else "".join(names)


"""Reading what files, caches and peers hand us: as data, bounded, and shown escaped.

Everything animator reads back (a file's description, a book cache record, a
sweep's stored run, a Recording's spec, a deck's pictures) may come from
someone else: a downloaded GIF, a shared folder, a cluster peer.  The helpers
here are the one place that knows the limits:

- :func:`open_input` opens only regular files (never a FIFO, a device or a
  directory, however a symlink points), so no reader blocks or reads forever;
- :func:`read_bounded` reads at most a given number of bytes;
- :func:`inflate` decompresses against a limit (no zlib bomb);
- :func:`load_json` parses JSON of bounded size and nesting depth;
- :func:`shown` escapes control characters and bidi overrides so text from a
  file is printed, never obeyed by the terminal.

Every refusal is a one-line :class:`~animator.errors.UserError` (or
:class:`Untrusted`, a subclass, so a cache can tell damage from other errors).
"""

import json
import os
import re
import stat
import unicodedata
import zlib

from .errors import UserError

MAX_DEPTH = 32                  # deeper than any description, spec or record animator writes
READ_PIECE = 1 << 20           # bytes read at a time by read_bounded
MAX_JSON_BYTES = 4 << 20        # a description or record; Recording specs and stored runs are far smaller


class Untrusted(UserError):
    """What a file, cache or peer handed over does not verify (too big, too deep, not the expected shape)."""


def open_input(path, *, what=None):
    """Open ``path`` for binary reading if it is a regular file; a one-line error for anything else.

    A symlink is followed and what it points at is judged: ``/dev/zero``, a FIFO,
    a socket or a directory is refused before any read, and the opened file is
    checked again (``fstat``), so a file swapped underneath cannot block either.
    """
    name = os.fspath(path)
    label = what or name
    try:
        info = os.stat(name)
    except FileNotFoundError:
        raise UserError(f"{label}: no such file") from None
    except OSError as error:
        raise UserError(f"{label}: cannot read ({error.strerror or error})") from None
    _require_regular(info, label)
    try:
        fd = os.open(name, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0))
    except OSError as error:
        raise UserError(f"{label}: cannot read ({error.strerror or error})") from None
    try:
        _require_regular(os.fstat(fd), label)
    except BaseException:
        os.close(fd)
        raise
    return os.fdopen(fd, "rb")


def is_regular_file(path):
    """True if ``path`` (symlinks followed) is a regular file."""
    try:
        return stat.S_ISREG(os.stat(path).st_mode)
    except OSError:
        return False


def _require_regular(info, label):
    mode = info.st_mode
    if stat.S_ISREG(mode):
        return
    kind = ("a directory" if stat.S_ISDIR(mode) else "a named pipe (FIFO)" if stat.S_ISFIFO(mode)
            else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode) else "a socket" if stat.S_ISSOCK(mode)
            else "not a regular file")
    raise UserError(f"{label}: is {kind}, not a regular file")


def read_bounded(path, limit, *, what=None):
    """The bytes of the regular file ``path``, refused in one line if it holds more than ``limit``."""
    label = what or os.fspath(path)
    with open_input(path, what=label) as handle:
        # in pieces: a limit-sized read would allocate the whole limit up front, even for a few bytes
        pieces, total = [], 0
        while total <= limit:
            piece = handle.read(min(READ_PIECE, limit + 1 - total))
            if not piece:
                break
            pieces.append(piece)
            total += len(piece)
        data = b"".join(pieces)
    if len(data) > limit:
        raise Untrusted(f"{label}: larger than the {_size(limit)} animator reads for it")
    return data


def inflate(data, limit, *, what="compressed data"):
    """zlib-decompress ``data`` to at most ``limit`` bytes; a bomb or damage is :class:`Untrusted`."""
    inflater = zlib.decompressobj()
    try:
        out = inflater.decompress(data, limit + 1)
    except zlib.error as error:
        raise Untrusted(f"{what}: damaged ({error})") from None
    if len(out) > limit or inflater.unconsumed_tail:
        raise Untrusted(f"{what}: inflates to more than {_size(limit)}")
    return out


_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.S)


def json_depth(text):
    """The deepest nesting of ``[`` and ``{`` in JSON text, counted without recursion (strings skipped)."""
    deepest = depth = 0
    for char in re.sub(r"[^\[\]{}]", "", _STRING.sub("", text)):
        if char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


def load_json(text, *, what, max_bytes=MAX_JSON_BYTES, max_depth=MAX_DEPTH):
    """Parse JSON that came from a file or a peer: bounded in size and depth, one line on anything wrong.

    ``text`` is ``str`` or UTF-8 ``bytes``.  Non-standard numbers (``NaN``,
    ``Infinity``) are refused, as animator never writes them.
    """
    if isinstance(text, (bytes, bytearray)):
        if len(text) > max_bytes:
            raise Untrusted(f"{what}: larger than the {_size(max_bytes)} animator reads for it")
        try:
            text = bytes(text).decode("utf-8")
        except UnicodeDecodeError:
            raise Untrusted(f"{what}: not UTF-8 text") from None
    if not isinstance(text, str):
        raise Untrusted(f"{what}: not text")
    if len(text) > max_bytes:
        raise Untrusted(f"{what}: larger than the {_size(max_bytes)} animator reads for it")
    if json_depth(text) > max_depth:
        raise Untrusted(f"{what}: nested more than {max_depth} levels deep")
    try:
        return json.loads(text, parse_constant=_refuse_constant)
    except (ValueError, RecursionError) as error:
        raise Untrusted(f"{what}: not valid JSON ({_first_line(error)})") from None


def _refuse_constant(name):
    raise ValueError(f"{name} is not a JSON number")


def check_depth(value, *, what, max_depth=MAX_DEPTH):
    """Refuse a parsed value nested deeper than ``max_depth`` (walked without recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (dict, list, tuple)):
            if depth > max_depth:
                raise Untrusted(f"{what}: nested more than {max_depth} levels deep")
            children = item.values() if isinstance(item, dict) else item
            stack.extend((child, depth + 1) for child in children)
    return value


def npy_header(stream):
    """``(shape, fortran_order, dtype)`` from the ``.npy`` header at the start of ``stream``, read without loading
    any array; a ``ValueError`` (or ``SyntaxError``/``TypeError`` from numpy's parser) if it is not one."""
    import numpy as np

    version = np.lib.format.read_magic(stream)
    if version == (1, 0):
        return np.lib.format.read_array_header_1_0(stream)
    if version == (2, 0):
        return np.lib.format.read_array_header_2_0(stream)
    raise ValueError(f"unsupported .npy version {version}")


# Characters a terminal may act on rather than show: C0/C1 controls and DEL (category Cc), format
# characters such as bidi overrides, isolates and zero-width joiners (Cf), line and paragraph separators.
_HIDDEN_CATEGORIES = {"Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"}


def _escape(char):
    code = ord(char)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def shown(value):
    """``value`` as text safe to print: control, format and bidi characters escaped visibly (``\\x1b``, ``\\u202e``).

    Printable text of any script is kept as it is; only what a terminal could
    obey (clear the screen, set a title, write the clipboard, move the cursor,
    reorder the line) is spelled out instead.
    """
    text = value if isinstance(value, str) else str(value)
    if text.isprintable():
        return text
    return "".join(_escape(char) if unicodedata.category(char) in _HIDDEN_CATEGORIES else char for char in text)


def shown_json(text):
    """JSON text with every character :func:`shown` would escape written as a JSON ``\\uXXXX`` escape.

    The result is still valid JSON meaning the same value (``json.dumps`` with
    ``ensure_ascii=False`` leaves C1 controls and bidi overrides raw).
    """
    if text.isprintable():
        return text
    return "".join(json.dumps(char)[1:-1] if unicodedata.category(char) in _HIDDEN_CATEGORIES else char
                   for char in text)


def _size(count):
    for unit, scale in (("GiB", 1 << 30), ("MiB", 1 << 20), ("KiB", 1 << 10)):
        if count >= scale:
            return f"{count / scale:.4g} {unit}"
    return f"{count} bytes"


def _first_line(error):
    return str(error).splitlines()[0] if str(error) else type(error).__name__

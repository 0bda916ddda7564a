"""A small JSON description carried inside every written file, and read back from it.

The description is whatever the caller hands over (the command line gives
``{"animator": version, "caption": ..., "command": [...], "kind": ..., "spec": {...}}``);
here it is only text.  It is encoded once, by :func:`encode_metadata`: keys
sorted, no spaces, ASCII only (anything else as ``\\uXXXX``), so it fits every
container unchanged and the same description always gives the same bytes.
No timestamps are added anywhere.

Where each format keeps it (each writer reads its own back, see
:func:`read_metadata`):

- GIF: a comment extension (``21 FE``) right after the loop block, before the first frame;
- PNG: a ``tEXt`` chunk with the keyword ``animator``, before the image data;
- MP4: the ``comment`` tag (``moov/udta/meta/ilst/©cmt``), through ffmpeg's ``-metadata``;
- HTML: a ``data-animator`` attribute on the ``<html>`` element of the player page;
- a frames folder: ``animation.json`` beside the frames (and a ``tEXt`` chunk in every frame).
"""

import json
import math
import os
import struct
import zlib

KEY = "animator"


def encode_metadata(metadata):
    """The one text form of a description: sorted keys, compact, ASCII (so GIF, PNG tEXt and ffmpeg take it).

    Tuples become lists, numpy numbers plain numbers, and a non-finite float
    its name (``"nan"``, ``"inf"``), since JSON has no such numbers.

    >>> encode_metadata({"kind": "training", "caption": "SGD · lr=1.0"})
    '{"caption":"SGD \\\\u00b7 lr=1.0","kind":"training"}'
    """
    return json.dumps(_plain(metadata), sort_keys=True, ensure_ascii=True, separators=(",", ":"),
                      allow_nan=False)


def _plain(value):
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(item) for item in value]
    if hasattr(value, "item") and callable(value.item) and getattr(value, "ndim", 1) == 0:
        value = value.item()                                   # a numpy scalar
    if isinstance(value, float) and not math.isfinite(value):
        return repr(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if hasattr(value, "tolist"):
        return _plain(value.tolist())
    if hasattr(value, "items"):
        return _plain(dict(value.items()))                     # a mapping proxy (an OptimizerSpec's settings)
    return str(value)


def decode_metadata(text):
    """A description from its text, or None if the text is not a JSON object."""
    try:
        value = json.loads(text)
    except (TypeError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def read_metadata(path):
    """The description written into ``path`` (a GIF, PNG, MP4, HTML page or frames folder), or None.

    The writer registered for the path reads it, so each format's knowledge stays
    in its module.  A file without one, of another kind, or unreadable gives None.
    """
    from animator.errors import UserError

    from .registry import writer_for

    try:
        reader = writer_for(path).read_metadata
    except UserError:
        return None
    try:
        return reader(os.fspath(path))
    except (OSError, ValueError, IndexError, struct.error, zlib.error):
        return None


# -- GIF ----------------------------------------------------------------------------------------

def gif_comment(text):
    """A GIF comment extension holding ``text`` (ASCII), in sub-blocks of at most 255 bytes."""
    data = text.encode("ascii")
    out = bytearray(b"\x21\xfe")
    for start in range(0, len(data), 255):
        chunk = data[start:start + 255]
        out += bytes([len(chunk)]) + chunk
    out += b"\x00"
    return bytes(out)


def gif_comments(data):
    """Every comment of a GIF's bytes, in order (walking the blocks, not decoding any image)."""
    if data[:6] not in (b"GIF87a", b"GIF89a"):
        return []
    pos = 13
    flags = data[10]
    if flags & 0x80:
        pos += 3 * (2 << (flags & 7))
    comments = []
    while pos < len(data):
        introducer = data[pos]
        if introducer == 0x21:
            label = data[pos + 1]
            pos += 2
            chunks = []
            while data[pos]:
                chunks.append(data[pos + 1:pos + 1 + data[pos]])
                pos += data[pos] + 1
            pos += 1
            if label == 0xFE:
                comments.append(b"".join(chunks))
        elif introducer == 0x2C:
            local = data[pos + 9]
            pos += 10
            if local & 0x80:
                pos += 3 * (2 << (local & 7))
            pos += 1                                   # LZW minimum code size
            while data[pos]:
                pos += data[pos] + 1
            pos += 1
        else:                                          # 0x3B, the trailer, or damage
            break
    return comments


def read_gif_metadata(path):
    with open(path, "rb") as handle:
        data = handle.read()
    for comment in gif_comments(data):
        value = decode_metadata(comment.decode("ascii", "replace"))
        if value is not None:
            return value
    return None


# -- PNG ----------------------------------------------------------------------------------------

def png_chunk(kind, data):
    """One PNG chunk: length, type, data, CRC."""
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)


def png_text_chunk(text):
    """The ``tEXt`` chunk ``animator`` = ``text`` (Latin-1; :func:`encode_metadata` gives ASCII)."""
    return png_chunk(b"tEXt", KEY.encode("latin-1") + b"\x00" + text.encode("latin-1"))


def with_png_text(png, text):
    """PNG bytes with the ``animator`` text chunk inserted right after the header chunk; pixels untouched."""
    if png[:8] != b"\x89PNG\r\n\x1a\n":
        raise ValueError("not a PNG")
    end_of_header = 8 + 8 + struct.unpack(">I", png[8:12])[0] + 4
    return png[:end_of_header] + png_text_chunk(text) + png[end_of_header:]


def png_texts(data):
    """The text chunks (``tEXt``, ``zTXt``, ``iTXt``) of PNG bytes as ``{keyword: text}``."""
    if data[:8] != b"\x89PNG\r\n\x1a\n":
        return {}
    texts = {}
    pos = 8
    while pos + 8 <= len(data):
        length = struct.unpack(">I", data[pos:pos + 4])[0]
        kind = data[pos + 4:pos + 8]
        body = data[pos + 8:pos + 8 + length]
        pos += 12 + length
        if kind == b"tEXt":
            key, _, value = body.partition(b"\x00")
            texts[key.decode("latin-1")] = value.decode("latin-1")
        elif kind == b"zTXt":
            key, _, rest = body.partition(b"\x00")
            texts[key.decode("latin-1")] = zlib.decompress(rest[1:]).decode("latin-1")
        elif kind == b"iTXt":
            key, _, rest = body.partition(b"\x00")
            compressed, rest = rest[0], rest[2:]
            _, _, rest = rest.partition(b"\x00")               # language tag
            _, _, value = rest.partition(b"\x00")              # translated keyword
            texts[key.decode("latin-1")] = (zlib.decompress(value) if compressed else value).decode("utf-8")
        elif kind in (b"IDAT", b"IEND"):
            break                                              # we write ours before the image data
    return texts


def read_png_metadata(path):
    with open(path, "rb") as handle:
        data = handle.read()
    text = png_texts(data).get(KEY)
    return decode_metadata(text) if text is not None else None


def add_png_metadata(path, metadata):
    """Add the description to a PNG written by someone else (e.g. a matplotlib figure), atomically.

    Only a chunk is inserted: the image data are not decoded or compressed again.
    """
    from animator.fileio import atomic_output

    with open(path, "rb") as handle:
        data = handle.read()
    with atomic_output(path) as temporary:
        with open(temporary, "wb") as handle:
            handle.write(with_png_text(data, encode_metadata(metadata)))


# -- MP4 ----------------------------------------------------------------------------------------

def _boxes(data, start, end):
    """``(type, body_start, body_end)`` of the ISO-BMFF boxes in ``data[start:end]``."""
    pos = start
    while pos + 8 <= end:
        size, kind = struct.unpack(">I4s", data[pos:pos + 8])
        header = 8
        if size == 1:
            size = struct.unpack(">Q", data[pos + 8:pos + 16])[0]
            header = 16
        elif size == 0:
            size = end - pos
        if size < header or pos + size > end:
            return
        yield kind, pos + header, pos + size
        pos += size


def _child(data, start, end, kind):
    for found, body, stop in _boxes(data, start, end):
        if found == kind:
            return body, stop
    return None


def mp4_comment(data):
    """The ``comment`` tag of MP4 bytes as ffmpeg writes it (``moov/udta/meta/ilst/©cmt/data``), or None."""
    where = (0, len(data))
    for kind in (b"moov", b"udta", b"meta"):
        where = _child(data, *where, kind)
        if where is None:
            return None
    where = _child(data, where[0] + 4, where[1], b"ilst")      # meta is a full box: 4 bytes of version/flags
    if where is None:
        return None
    where = _child(data, *where, b"\xa9cmt")
    if where is None:
        return None
    where = _child(data, *where, b"data")
    if where is None:
        return None
    return data[where[0] + 8:where[1]].decode("utf-8")         # 4 bytes of type, 4 of locale


def read_mp4_metadata(path):
    """The description in an MP4's ``moov`` box; only the top-level box headers and ``moov`` itself are read."""
    with open(path, "rb") as handle:
        while True:
            header = handle.read(8)
            if len(header) < 8:
                return None
            size, kind = struct.unpack(">I4s", header)
            if size == 1:                                  # a 64-bit size follows the type
                size = struct.unpack(">Q", handle.read(8))[0] - 8
            if kind == b"moov":
                body = handle.read() if size == 0 else handle.read(size - 8)
                text = mp4_comment(struct.pack(">I4s", 8 + len(body), b"moov") + body)
                return decode_metadata(text) if text is not None else None
            if size < 8:                                   # 0 (to the end) or damage: no moov after this
                return None
            handle.seek(size - 8, os.SEEK_CUR)

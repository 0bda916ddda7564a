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

from animator.errors import UserError
from animator.untrusted import Untrusted, inflate, load_json, open_input

KEY = "animator"
# A description is a few kilobytes; a file claiming more is refused rather than read.  Readers look
# only where the writers put it (the header region), never through the whole file.
MAX_DESCRIPTION = 1 << 20
HEAD_BYTES = 2 * MAX_DESCRIPTION


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
    """A description from its text, or None if the text is not a JSON object (another tool's comment).

    Text that is JSON but larger than :data:`MAX_DESCRIPTION` or nested deeper
    than animator ever writes is :class:`~animator.untrusted.Untrusted`: a
    file is data, and a crafted one gets a one-line refusal, not a crash.
    """
    if isinstance(text, (bytes, bytearray)):
        text = bytes(text).decode("utf-8", "replace")
    if not isinstance(text, str) or not text.lstrip().startswith("{"):
        return None
    try:
        value = load_json(text, what="its description", max_bytes=MAX_DESCRIPTION)
    except Untrusted as error:
        if "not valid JSON" in str(error):
            return None
        raise
    return value if isinstance(value, dict) else None


def read_metadata(path):
    """The description written into ``path`` (a GIF, PNG, MP4, HTML page or frames folder), or None.

    The writer registered for the path reads it, so each format's knowledge stays
    in its module.  A file without one, of another kind, or unreadable gives None.
    """
    from .registry import writer_for

    try:
        reader = writer_for(path).read_metadata
    except UserError:
        return None
    if not os.path.exists(path):
        return None
    try:
        return reader(os.fspath(path))
    except UserError:
        raise                     # not a regular file, or a description too large or too deep: say so
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


GIF_EXTENSION, GIF_IMAGE = 0x21, 0x2C     # the introducers of a GIF's blocks (0x3B, the trailer, ends them)


def gif_blocks(data):
    """``(introducer, label, start, end)`` of each block of a GIF's bytes, walking them without decoding any image.

    An extension (``GIF_EXTENSION``) has its ``label`` (0xFE for a comment) and
    its sub-blocks at ``data[start:end]``; an image (``GIF_IMAGE``, ``label``
    None) has its LZW data there: the minimum code size, the sub-blocks and
    their terminator.  The walk stops at the trailer or at anything else; an
    ``IndexError`` if the bytes end inside a block.
    """
    pos = 13
    flags = data[10]
    if flags & 0x80:
        pos += 3 * (2 << (flags & 7))                  # the global colour table
    while pos < len(data):
        introducer = data[pos]
        if introducer == GIF_EXTENSION:
            label, pos = data[pos + 1], pos + 2
        elif introducer == GIF_IMAGE:
            local = data[pos + 9]
            label, pos = None, pos + 10
            if local & 0x80:
                pos += 3 * (2 << (local & 7))          # a local colour table
            pos += 1                                   # LZW minimum code size
        else:                                          # 0x3B, the trailer, or damage
            return
        start = pos - (introducer == GIF_IMAGE)
        while data[pos]:
            pos += data[pos] + 1
        pos += 1
        yield introducer, label, start, pos


def sub_blocks(data, start, end):
    """The bytes carried by the sub-blocks at ``data[start:end]``, joined."""
    chunks, pos = [], start
    while pos < end - 1:
        chunks.append(data[pos + 1:pos + 1 + data[pos]])
        pos += data[pos] + 1
    return b"".join(chunks)


def gif_comments(data, *, before_first_image=False):
    """Every comment of a GIF's bytes, in order (walking the blocks, not decoding any image).

    ``before_first_image`` stops at the first image, where animator's comment
    always is, so only the file's head need be read.
    """
    if data[:6] not in (b"GIF87a", b"GIF89a"):
        return []
    comments = []
    try:
        for introducer, label, start, end in gif_blocks(data):
            if introducer == GIF_IMAGE and before_first_image:
                break
            if label == 0xFE:
                comments.append(sub_blocks(data, start, end))
    except IndexError:
        pass                                           # the bytes end inside a block: what came before stands
    return comments


def read_gif_metadata(path):
    """The description in a GIF's comment before its first frame; only the file's head is read."""
    with open_input(path) as handle:
        data = handle.read(HEAD_BYTES)
    for comment in gif_comments(data, before_first_image=True):
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


MAX_CHUNKS = 4096          # chunks before the image data; a real PNG has a handful


def read_png_metadata(path):
    """The ``animator`` text chunk of a PNG, read chunk by chunk up to the image data.

    Other chunks are skipped unread, a text chunk larger than a description is
    refused, and a compressed one inflates against the same limit (a zTXt bomb
    is one line, in bounded memory).
    """
    with open_input(path) as handle:
        if handle.read(8) != b"\x89PNG\r\n\x1a\n":
            return None
        for _ in range(MAX_CHUNKS):
            header = handle.read(8)
            if len(header) < 8:
                return None
            length, kind = struct.unpack(">I4s", header)
            if kind in (b"IDAT", b"IEND"):
                return None                                    # we write ours before the image data
            if kind not in (b"tEXt", b"zTXt", b"iTXt"):
                handle.seek(length + 4, os.SEEK_CUR)
                continue
            if length > MAX_DESCRIPTION + 256:
                if handle.read(80).partition(b"\x00")[0] == KEY.encode():
                    raise Untrusted(f"{path}: its description chunk is larger than the "
                                    f"{MAX_DESCRIPTION >> 20} MiB animator reads")
                handle.seek(length - 80 + 4, os.SEEK_CUR)
                continue
            body = handle.read(length)
            handle.seek(4, os.SEEK_CUR)                        # the CRC
            text = _chunk_text(kind, body, path)
            if text is not None:
                return decode_metadata(text)
    return None


def _chunk_text(kind, body, path):
    """The text of one PNG text chunk if its keyword is ours, inflated against the description limit."""
    key, _, rest = body.partition(b"\x00")
    if key != KEY.encode("latin-1"):
        return None
    what = f"{path}: its description"
    if kind == b"tEXt":
        return rest.decode("latin-1")
    if kind == b"zTXt":
        return inflate(rest[1:], MAX_DESCRIPTION, what=what).decode("latin-1")
    compressed, rest = rest[:1] == b"\x01", rest[2:]
    _, _, rest = rest.partition(b"\x00")                      # language tag
    _, _, value = rest.partition(b"\x00")                     # translated keyword
    return (inflate(value, MAX_DESCRIPTION, what=what) if compressed else value).decode("utf-8")


def add_png_metadata(path, metadata):
    """Add the description to a PNG written by someone else (e.g. a matplotlib figure), atomically.

    Only a chunk is inserted: the image data are not decoded or compressed again.
    """
    from animator.fileio import atomic_output

    with open(path, "rb") as handle:          # a PNG we just wrote: ours, not a file handed to us
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


MAX_MOOV = 64 << 20          # the movie's index: a few hundred kB for the longest animation animator makes
MAX_BOXES = 4096


def read_mp4_metadata(path):
    """The description in an MP4's ``moov`` box; only the top-level box headers and ``moov`` itself are read."""
    with open_input(path) as handle:
        for _ in range(MAX_BOXES):
            header = handle.read(8)
            if len(header) < 8:
                return None
            size, kind = struct.unpack(">I4s", header)
            if size == 1:                                  # a 64-bit size follows the type
                size = struct.unpack(">Q", handle.read(8))[0] - 8
            if kind == b"moov":
                if size == 0 or size - 8 > MAX_MOOV:
                    raise Untrusted(f"{path}: its moov box is larger than the {MAX_MOOV >> 20} MiB animator reads")
                body = handle.read(size - 8)
                text = mp4_comment(struct.pack(">I4s", 8 + len(body), b"moov") + body)
                return decode_metadata(text) if text is not None else None
            if size < 8:                                   # 0 (to the end) or damage: no moov after this
                return None
            handle.seek(size - 8, os.SEEK_CUR)
    return None

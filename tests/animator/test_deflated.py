"""Members deflated ahead (by the grids' helper process) give the file compressing on the spot gives, byte for byte."""

import hashlib
import io
import zlib

import numpy as np
import pytest

from animator import deflated, fileio
from animator.deflated import Deflater


@pytest.fixture(autouse=True)
def no_streams(monkeypatch):
    monkeypatch.setattr(deflated, "_streams", [])
    monkeypatch.setattr(fileio, "PRECOMPRESSED_BYTES", 0)


def _grids(seed=0, frames=6):
    """Smooth class planes, as decision grids are."""
    rng = np.random.default_rng(seed)
    ramp = np.linspace(0, 255, 40 * 40).reshape(40, 40)
    return np.stack([np.clip(ramp * rng.uniform(0.5, 1) + rng.normal(0, 3, (40, 40)), 0, 255)
                     for _ in range(frames * 3)]).astype(np.uint8).reshape(frames, 3, 40, 40)


def _npz(members, level=1):
    buffer = io.BytesIO()
    fileio.write_npz_to(buffer, members, compresslevel=level)
    return buffer.getvalue()


def _ahead(array, level=1):
    deflater = Deflater(level)
    deflater.add(fileio.npy_header(array.shape, array.dtype))
    for plane in array:                    # a frame at a time, as the helper deflates them
        deflater.add(plane)
    return deflater.finish()


def test_a_stream_deflated_in_pieces_is_zlibs_stream_of_the_whole():
    data = _grids().tobytes()
    whole = zlib.compressobj(1, zlib.DEFLATED, -15)
    expected = whole.compress(data) + whole.flush()
    rng = np.random.default_rng(1)
    for _ in range(5):
        deflater, start = Deflater(1), 0
        while start < len(data):
            stop = start + int(rng.integers(1, 5000))
            deflater.add(data[start:stop])
            start = stop
        level, size, digest, stream = deflater.finish()
        assert (level, size, stream) == (1, len(data), expected)
        assert digest == hashlib.blake2b(data, digest_size=16).digest()


def test_the_npy_header_is_what_numpy_writes():
    for shape in [(200, 3, 160, 160), (0, 2, 8, 8), (1, 1, 1, 1), (12345, 5, 7, 7)]:
        buffer = io.BytesIO()
        np.lib.format.write_array(buffer, np.zeros(shape, np.uint8), allow_pickle=False)
        header = fileio.npy_header(shape, np.uint8)
        assert buffer.getvalue()[:len(header)] == header and len(buffer.getvalue()) - len(header) == np.prod(shape)


def test_a_file_written_with_a_stream_deflated_ahead_is_the_same_bytes_and_reads_back():
    grids, other = _grids(), np.arange(50, dtype=np.float32)
    members = [("a", other), ("grid_planes", grids)]
    here = _npz(members)
    deflated.offer(_ahead(grids))
    assert _npz(members) == here
    assert deflated._streams == []                 # taken, once
    with np.load(io.BytesIO(here)) as archive:
        assert np.array_equal(archive["grid_planes"], grids)


def test_a_stream_is_taken_only_for_its_own_bytes_and_level():
    grids = _grids()
    changed = grids.copy()
    changed[3, 1, 5, 5] ^= 1                       # the same length, one bit apart
    deflated.offer(_ahead(grids))
    assert _npz([("g", changed)]) == _npz([("g", changed)], level=1)
    assert len(deflated._streams) == 1             # not taken by other bytes
    assert _npz([("g", grids)], level=6) == _npz([("g", grids)], level=6)
    assert len(deflated._streams) == 1             # nor at another level
    assert deflated.take(b"x" * 10, 1) is None


def test_few_streams_are_kept_and_malformed_offers_are_dropped():
    for seed in range(5):
        deflated.offer(_ahead(_grids(seed)))
    assert len(deflated._streams) == deflated.KEPT
    deflated.offer((1, "10", b"d", b"s"))
    deflated.offer((1, 10, b"d", "s"))
    assert len(deflated._streams) == deflated.KEPT

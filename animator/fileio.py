"""Writing files so that a target is never half-written, and failing in one line when the disk says no."""

import contextlib
import errno
import io
import os
import tempfile
import zipfile

from . import deflated
from .errors import UserError


@contextlib.contextmanager
def atomic_output(path):
    """Yield a temporary path beside ``path``; move it onto ``path`` only if the block succeeds.

    On any exception, Ctrl-C included, the temporary file is removed and the
    target is left as it was.  A full disk, a quota or a read-only file system
    inside the block becomes a one-line :class:`UserError` naming ``path``.
    The file gets the usual permissions, ``0666 & ~umask``.
    """
    target = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(target))
    if not os.path.isdir(directory):
        raise UserError(f"{target}: directory {directory} does not exist")
    base = os.path.basename(target)
    try:
        fd, temporary = tempfile.mkstemp(prefix=f".{base}.", suffix=".part", dir=directory)
    except OSError as error:
        raise UserError(f"{target}: cannot write here ({error.strerror or error})") from None
    os.close(fd)
    try:
        yield temporary
        os.chmod(temporary, 0o666 & ~_umask())
        os.replace(temporary, target)
    except OSError as error:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        # the temporary is ours, not the user's: a message names the target instead
        if error.errno in DISK_ERRORS or temporary in (error.filename, error.filename2):
            raise write_failure(target, error) from None
        raise
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        raise


DISK_ERRORS = {errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EROFS, errno.EIO}


def write_failure(path, error):
    """``error``, an ``OSError`` met while writing ``path``, as a one-line :class:`UserError`."""
    return UserError(f"{os.fspath(path)}: cannot write ({error.strerror or error})")


def check_writable(path):
    """Fail early, with a one-line :class:`UserError`, if ``path`` could not be written."""
    target = os.fspath(path)
    directory = os.path.dirname(os.path.abspath(target))
    if not os.path.isdir(directory):
        raise UserError(f"{target}: directory {directory} does not exist")
    if os.path.isdir(target):
        raise UserError(f"{target}: is a directory")
    try:
        fd, probe = tempfile.mkstemp(prefix=f".{os.path.basename(target)}.", suffix=".probe", dir=directory)
    except OSError as error:
        raise UserError(f"{target}: directory {directory} is not writable "
                        f"({error.strerror or error})") from None
    os.close(fd)
    os.unlink(probe)


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


ZIP_TIME = (1980, 1, 1, 0, 0, 0)   # every member's date: the same arrays give the same bytes
PRECOMPRESSED_BYTES = 1 << 20      # members this large are looked for among those deflated ahead (animator.deflated)


def write_npz(path, members, *, compresslevel):
    """Write ``members`` (``(name, array)`` pairs, in order) as an ``.npz`` readable by ``np.load``, atomically.

    Unlike ``np.savez_compressed`` the bytes depend on nothing but the arrays:
    no timestamps, fixed permissions.  Arrays are stored without pickling.
    """
    with atomic_output(path) as temporary:
        with open(temporary, "wb") as handle:
            write_npz_to(handle, members, compresslevel=compresslevel)
    return path


def write_npz_to(handle, members, *, compresslevel):
    """:func:`write_npz`'s bytes, written to the open binary file (or buffer) ``handle``."""
    import numpy as np    # the engine's only caller of numpy here; keeps this module light to import

    with zipfile.ZipFile(handle, "w", zipfile.ZIP_DEFLATED, compresslevel=compresslevel) as archive:
        for name, array in members:
            buffer = io.BytesIO()
            np.lib.format.write_array(buffer, np.asarray(array), allow_pickle=False)
            member = zipfile.ZipInfo(f"{name}.npy", date_time=ZIP_TIME)
            member.compress_type = zipfile.ZIP_DEFLATED
            member.external_attr = 0o644 << 16
            payload = buffer.getvalue()
            stream = deflated.take(payload, compresslevel) if len(payload) >= PRECOMPRESSED_BYTES else None
            if stream is None:
                archive.writestr(member, payload, compresslevel=compresslevel)
                continue
            member.file_size = len(payload)      # as writestr sets it
            member._compresslevel = compresslevel
            with archive.open(member, "w") as destination:
                if not hasattr(destination, "_compressor"):       # another zipfile than CPython's: deflate here
                    destination.write(payload)
                    continue
                # zipfile still reads the payload for its CRC and size; the deflating was done already
                destination._compressor = _Deflated(stream)
                destination.write(payload)


def npy_header(shape, dtype):
    """The bytes ``np.save`` writes before the values of a C-ordered array of ``shape`` and ``dtype``."""
    import numpy as np

    buffer = io.BytesIO()
    np.lib.format.write_array_header_1_0(buffer, {"descr": np.lib.format.dtype_to_descr(np.dtype(dtype)),
                                                  "fortran_order": False, "shape": tuple(int(n) for n in shape)})
    return buffer.getvalue()


class _Deflated:
    """A member's compressor for zipfile that hands back a stream deflated ahead, whole, when it is flushed."""

    def __init__(self, stream):
        self.stream = stream

    def compress(self, data):
        return b""

    def flush(self):
        return self.stream

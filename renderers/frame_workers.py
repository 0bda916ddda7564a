"""Frames composed, and encoded, in forked worker processes, handed back in order.

:func:`iter_frames` yields each frame through shared memory; :func:`iter_encoded`
yields each frame's encoded bytes, for a format that can encode in the workers
(a GIF, a player page).  Both fall back to this process where forking does not
pay (one worker, a few frames) or cannot be done (no ``fork``).  Workers are
:class:`animator.pool.Workers`: they die with this process, and are stopped
and reaped when the generator is closed (an error, Ctrl-C, SIGTERM).
"""

import collections
import contextlib
import mmap
import multiprocessing

import numpy as np

from animator import pool

from .writers.estimate import default_workers

CHUNK = 25      # frames a worker encodes in a row at most (see iter_encoded)


def _draw(rank, connection, workers, indices, source, transform, slots, slot_bytes, per_worker, frees):
    """Compose every ``workers``-th frame, starting at ``rank``, into this worker's ring of slots.

    Each frame's shape and type go to the parent through ``connection``; a
    failure goes as text, and the parent raises it there.
    """
    try:
        for k, position in enumerate(range(rank, len(indices), workers)):
            frame = source.frame(indices[position])
            out = np.ascontiguousarray(transform(frame) if transform is not None else frame)
            frees[rank].acquire()
            slot = rank * per_worker + k % per_worker
            np.frombuffer(slots, dtype=out.dtype, count=out.size,
                          offset=slot * slot_bytes).reshape(out.shape)[...] = out
            connection.send((out.shape, out.dtype.str))
    except Exception as error:
        connection.send(("error", f"{type(error).__name__}: {error}"))


def iter_frames(source, indices, *, transform=None, workers=None):
    """Yield ``transform(source.frame(i))`` for ``indices`` in order, composed in parallel when it pays.

    Workers are forked processes (:class:`animator.pool.Workers`) that inherit
    ``source``; worker ``r`` makes frames ``r, r + workers, ...`` and copies
    each into a slot of its own ring in shared memory, sending only a few
    bytes through its pipe.  (At 960x540, pickling frames through a process
    pool cost as much as drawing them.)  A worker waits while its ring is
    full, so memory stays flat however many frames there are.  ``transform``
    (e.g. GIF quantisation) runs in the workers.  Workers die with this
    process, even when it is killed; when the generator is closed (an error,
    Ctrl-C, SIGTERM) they are stopped and reaped.
    """
    indices = list(indices)
    if workers is None:
        workers = default_workers()
    if workers <= 1 or len(indices) < 8 or not pool.can_fork():
        for i in indices:
            frame = source.frame(i)
            yield transform(frame) if transform is not None else frame
        return
    per_worker = 3
    width, height = source.size
    slot_bytes = width * height * 3
    slots = mmap.mmap(-1, workers * per_worker * slot_bytes)
    frees = [multiprocessing.get_context("fork").Semaphore(per_worker) for _ in range(workers)]
    try:
        with pool.Workers(workers, _draw, args=(workers, indices, source, transform, slots, slot_bytes,
                                                 per_worker, frees)) as crew:
            made = [0] * workers
            for position in range(len(indices)):
                rank = position % workers
                try:
                    shape, dtype = crew.receive(rank)
                except pool.WorkerDied as error:
                    raise RuntimeError(f"frame worker {rank} died while drawing frame {indices[position]} "
                                       f"({error})") from None
                if shape == "error":
                    raise RuntimeError(f"frame worker failed on frame {indices[position]}: {dtype}")
                slot = rank * per_worker + made[rank] % per_worker
                made[rank] += 1
                frame = np.frombuffer(slots, dtype=dtype, count=int(np.prod(shape)),
                                      offset=slot * slot_bytes).reshape(shape).copy()
                frees[rank].release()
                yield frame
    finally:
        slots.close()


def _made(source, transform, index):
    frame = source.frame(index)
    return transform(frame) if transform is not None else frame


def _encode_chunks(rank, connection, workers, indices, source, transform, encode, chunk, frees):
    """Make and encode chunks ``rank``, ``rank + workers``, ... of ``chunk`` frames, sending each frame's bytes.

    A chunk's first frame is diffed against the one before it, made here once more; a failure goes as text.
    Once done, the worker waits to be told to stop, so that ending is never taken for dying.
    """
    try:
        for start in range(rank * chunk, len(indices), workers * chunk):
            previous = _made(source, transform, indices[start - 1]) if start else None
            for position in range(start, min(start + chunk, len(indices))):
                item = _made(source, transform, indices[position])
                data = encode(position, item, previous)
                previous = item
                frees[rank].acquire()
                connection.send(("frame", data))
    except Exception as error:
        connection.send(("error", f"{type(error).__name__}: {error}"))
    with contextlib.suppress(EOFError, OSError):
        connection.recv()


def iter_encoded(source, indices, *, encode, transform=None, workers=None):
    """Yield ``encode(position, item, previous)`` for ``indices`` in order, made and encoded in parallel when it pays.

    ``item`` is ``transform(source.frame(indices[position]))`` and ``previous``
    the item before it (None for the first): a format that stores what changed
    (a GIF) encodes each frame in the workers, and the parent only writes the
    bytes in order.  Worker ``r`` takes contiguous chunks ``r, r + workers, ...``
    of frames and makes one frame more per chunk (the one before it); the
    parent keeps what arrives early, each worker at most a chunk ahead of what
    has been written, so memory does not grow with the frames.  Workers are
    started, watched and stopped as :func:`iter_frames`' are.
    """
    indices = list(indices)
    if workers is None:
        workers = default_workers()
    if workers <= 1 or len(indices) < 8 or not pool.can_fork():
        previous = None
        for position, index in enumerate(indices):
            item = _made(source, transform, index)
            yield encode(position, item, previous)
            previous = item
        return
    # a few chunks each, for balance; each costs one frame made twice
    chunk = max(4, min(CHUNK, -(-len(indices) // (3 * workers))))
    frees = [multiprocessing.get_context("fork").Semaphore(chunk) for _ in range(workers)]
    arrived = [collections.deque() for _ in range(workers)]
    with pool.Workers(workers, _encode_chunks, args=(workers, indices, source, transform, encode, chunk,
                                                      frees)) as crew:
        for position in range(len(indices)):
            rank = (position // chunk) % workers
            while not arrived[rank]:
                try:
                    for sender, message in crew.wait():
                        arrived[sender].append(message)
                except pool.WorkerDied as error:
                    raise RuntimeError(f"a frame worker died while frame {indices[position]} was being drawn "
                                       f"({error})") from None
            kind, payload = arrived[rank].popleft()
            if kind == "error":
                raise RuntimeError(f"frame worker failed on frame {indices[position]} or near it: {payload}")
            frees[rank].release()
            yield payload

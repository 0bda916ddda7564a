"""Estimates before work: what a render will cost in memory, bytes and time, and refusing what cannot fit.

Every render is estimated before anything is drawn (and before training, for
commands that train): the memory of the parent and of every frame worker
together, and for outputs that declare a ``COST`` (players, frames folders)
the bytes and the time.  :func:`check_estimate` refuses, in one line with the
estimate, what the machine cannot take.
"""

import os
import shutil
from dataclasses import dataclass

from animator.errors import ArgumentError, UserError

from .budget import format_bytes

# Measured on the chapter's layouts (training, race, descent, contour race) at 960x540 to 3840x2160:
# a forked frame worker's own memory (what it does not share with the parent: its canvas, the frame,
# its quantised copy, drawing buffers) was 15-40 bytes a pixel over some 30 MB; the training layout
# is the largest.  The models below take the largest, so the estimate errs towards refusing memory.

WORKER_BASE = 32 << 20        # a frame worker's own memory besides its pictures
WORKER_PER_PIXEL = 40         # ... and per pixel of the frame size
RING_PER_PIXEL = 3 * 3        # frames in flight, per worker: three RGB slots in shared memory
PARENT_PER_PIXEL = 40 + 3     # the parent draws too (palette samples, a poster) and keeps a received frame
MAX_SECONDS = 3600            # a render estimated to take longer is refused: an hour of drawing is a typo
MAX_WORKERS = 4               # frame workers by default (more rarely pays: the writer in the parent is serial)


@dataclass(frozen=True)
class Cost:
    """What one frame of a writer's output costs, declared by the writer class as ``COST``.

    ``edge_bytes``: bytes in the file per pixel of the frame's width plus height
    (drawn lines and text scale with the edge, flat areas compress to little);
    ``frame_bytes``: bytes per frame besides (a description in every PNG);
    ``megapixel_seconds`` and ``frame_seconds``: the time to draw and write one frame,
    measured with two frame workers (the writer encodes in the parent, one frame at a
    time, so more workers shorten this little); ``max_bytes``: the largest file the
    output can usefully be (a browser holds a player's frames as one string), or None.
    """

    edge_bytes: float
    frame_bytes: int = 0
    megapixel_seconds: float = 0.03
    frame_seconds: float = 0.005
    max_bytes: int = None


@dataclass(frozen=True)
class Estimate:
    """What a render will take, worked out before any frame is drawn.

    ``memory`` is the peak for the parent and all ``workers`` frame workers
    together, ``memory_budget`` what a render may use; ``bytes`` and
    ``seconds`` the output's size and the time to write it (None where the
    writer declares no :class:`Cost`), ``disk_free`` the room beside the target.
    ``asked`` is the worker count asked for (None: chosen here).
    """

    frames: int
    size: tuple
    workers: int
    asked: object
    memory: int
    memory_budget: int
    bytes: object = None
    seconds: object = None
    disk_free: object = None

    def __repr__(self):
        out = "" if self.bytes is None else f", {format_bytes(self.bytes)} in about {format_seconds(self.seconds)}"
        return (f"<Estimate {self.frames} frames at {self.size[0]}x{self.size[1]}, {self.workers} workers: "
                f"{format_gib(self.memory)} of {format_gib(self.memory_budget)}{out}>")


def format_gib(count):
    """``3.4 GiB``: memory, as the run checks word it."""
    return f"{count / (1 << 30):.1f} GiB"


def format_seconds(seconds):
    """``40 s``, ``12 minutes``, ``2.5 hours``."""
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} minutes"
    return f"{seconds / 3600:.1f} hours"


def memory_budget():
    """The memory a render may use: half of this machine's (as a training run may), or 4 GiB where unknown."""
    try:
        return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") // 2
    except (ValueError, OSError, AttributeError):
        return 4 << 30


def resident_bytes():
    """This process's resident memory now (what the parent already holds: the Recording, the libraries)."""
    try:
        with open("/proc/self/statm") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, IndexError):
        import resource

        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def disk_free(path):
    """Bytes free to an unprivileged user on the file system ``path`` would be written to, or None."""
    directory = os.path.dirname(os.path.abspath(os.fspath(path).rstrip(os.sep) or os.sep))
    while directory and not os.path.isdir(directory):
        directory = os.path.dirname(directory)
    try:
        return shutil.disk_usage(directory or ".").free
    except OSError:
        return None


def render_memory(size, workers):
    """Peak memory of drawing frames of ``size`` with ``workers`` frame workers (1: drawn in this process)."""
    pixels = size[0] * size[1]
    parent = resident_bytes() + PARENT_PER_PIXEL * pixels
    if workers <= 1:
        return parent + WORKER_PER_PIXEL * pixels
    return parent + workers * (WORKER_BASE + (WORKER_PER_PIXEL + RING_PER_PIXEL) * pixels)


def default_workers():
    """Frame workers when none are asked for: one per core, at most :data:`MAX_WORKERS`."""
    return min(os.cpu_count() or 1, MAX_WORKERS)


def estimate_render(writer_class, path, *, size, frames, workers=None):
    """The :class:`Estimate` of writing ``frames`` frames of ``size`` to ``path`` with ``writer_class``.

    Asked-for ``workers`` beyond this machine's cores or the frames are lowered
    to them (more processes than cores draw no faster, and each holds a frame's
    memory); None chooses the most, up to :func:`default_workers`, that fit in
    :func:`memory_budget`.  Nothing is drawn and nothing touched: a few sums.
    """
    frames = 1 if writer_class.STILL else max(int(frames), 1)
    budget = memory_budget()
    useful = max(min(os.cpu_count() or 1, frames), 1)
    if workers is None:
        chosen = min(default_workers(), useful)
        while chosen > 1 and render_memory(size, chosen) > budget:
            chosen -= 1
    else:
        chosen = min(int(workers), useful)
    cost = getattr(writer_class, "COST", None)
    written = seconds = free = None
    if cost is not None:
        written = int(frames * (cost.edge_bytes * (size[0] + size[1]) + cost.frame_bytes))
        seconds = frames * (cost.frame_seconds + cost.megapixel_seconds * size[0] * size[1] / 1e6)
        free = disk_free(path)
    return Estimate(frames=frames, size=tuple(size), workers=chosen, asked=workers,
                    memory=render_memory(size, chosen), memory_budget=budget, bytes=written, seconds=seconds,
                    disk_free=free)


def check_estimate(estimate, path, writer_class):
    """Refuse, in one line with the estimate, a render beyond the machine: memory, disk, a page's size, time.

    Memory names the worker count that would fit (an :class:`ArgumentError` for
    ``workers``), or the frame size when even drawing in this process does not;
    the output's size and time name the target.  Returns ``estimate``.
    """
    width, height = estimate.size
    at = f"{estimate.frames} frame{'s' if estimate.frames != 1 else ''} at {width}x{height}"
    if estimate.memory > estimate.memory_budget:
        need, budget = format_gib(estimate.memory), format_gib(estimate.memory_budget)
        beyond = f"more than the {budget} a render may use (half of this machine's)"
        fits = max((n for n in range(1, estimate.workers)
                    if render_memory(estimate.size, n) <= estimate.memory_budget), default=0)
        if estimate.workers > 1 and fits:
            raise ArgumentError("workers", f"{estimate.workers}: {estimate.workers} frame workers at "
                                           f"{width}x{height} would need about {need} of memory together, {beyond}; "
                                           f"{fits} would fit")
        raise ArgumentError("size", f"{width}x{height} would need about {need} of memory to draw"
                                    f"{f' with {estimate.workers} frame workers' if estimate.workers > 1 else ''}, "
                                    f"{beyond}")
    if estimate.bytes is None:
        return estimate
    target = os.fspath(path)
    about = f"{at} would make about {format_bytes(estimate.bytes)}"
    cost = writer_class.COST
    if cost.max_bytes is not None and estimate.bytes > cost.max_bytes:
        raise UserError(f"{target}: {about}, more than the {format_bytes(cost.max_bytes)} an output of "
                        f"kind {writer_class.KIND} can hold; choose fewer frames or a smaller size")
    if estimate.disk_free is not None and estimate.bytes > estimate.disk_free:
        raise UserError(f"{target}: {about}, more than the {format_bytes(estimate.disk_free)} free on its disk; "
                        f"choose fewer frames or a smaller size, or free some space")
    if estimate.seconds > MAX_SECONDS:
        raise UserError(f"{target}: {at} would take about {format_seconds(estimate.seconds)} to draw and write, "
                        f"more than the {format_seconds(MAX_SECONDS)} a render may take; "
                        f"choose fewer frames or a smaller size")
    return estimate

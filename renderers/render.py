"""Recording -> frames -> file, in one call.

>>> from animator import RunConfig, train
>>> from renderers import render
>>> animation = render(train(RunConfig(hyperparameters={"decay": 1e-3, "momentum": 0.9})),
...                    "outputs/sgd.gif")                                        # doctest: +SKIP
>>> animation          # in Jupyter, shows itself inline                         # doctest: +SKIP

The output type comes from the path, through the writer registry
(:mod:`renderers.writers`): ``.gif``, ``.mp4``, ``.html``, ``.png`` (one frame),
or a folder (every frame as PNG; only a new, empty or earlier frames folder is
written, see :mod:`renderers.writers.png`).  This module knows no format.  Frames are composed in worker processes
when that pays (fork, on Linux) and written in order, a bounded number in
flight, so memory does not grow with the number of frames.
"""

import base64
import contextlib
import mmap
import multiprocessing
import os

import numpy as np

from animator.lifecycle import setup_worker

from .training import TrainingAnimation
from .writers import NullWriter, pick_frame, writer_for, writer_named  # noqa: F401 (pick_frame: kept importable here)


def output_kind(path):
    """The kind of output ``path`` names (``gif``, ``mp4``, ``png``, ``html``, ``frames``), from the writer registry."""
    return writer_for(path).KIND


def check_animation_options(kind, *, size=(960, 540), fps=25, hold=0.0, layout=TrainingAnimation):
    """The checks on frame rate, hold and size that need no file: the ``layout`` class's and the writer's."""
    writer_named(kind).check_options(size=size, fps=fps, hold=hold)
    layout.check_size(size)


def check_render_options(path, *, size=(960, 540), fps=25, hold=0.0, layout=TrainingAnimation):
    """Every check that can fail before any work is done, touching no file; returns the output kind.

    The writer for ``path`` checks the options and the target (a frames folder
    must be new, empty or an earlier frames output), and ``layout`` (a
    :class:`~renderers.layout.Layout` class) checks the frame size.
    """
    writer = writer_for(path)
    writer.check_options(size=size, fps=fps, hold=hold)
    layout.check_size(size)
    writer.check_target(path)
    return writer.KIND


class Animation:
    """A rendered file; shows itself inline in Jupyter."""

    MIME = {"gif": "image/gif", "png": "image/png", "mp4": "video/mp4"}

    def __init__(self, path, kind, frames, size):
        self.path, self.kind, self.frames, self.size = os.fspath(path), kind, frames, size

    def __repr__(self):
        return f"<Animation {self.path}: {self.kind}, {self.frames} frames, {self.size[0]}x{self.size[1]}>"

    def _data(self):
        with open(self.path, "rb") as handle:
            return base64.b64encode(handle.read()).decode("ascii")

    def _repr_html_(self):
        if self.kind == "frames":
            return f"<code>{self.frames} PNG frames in {self.path}</code>"
        if self.kind == "html":
            with open(self.path, encoding="utf-8") as handle:
                page = handle.read()
            return page[page.index("<video"):page.index("</video>") + len("</video>")]
        src = f"data:{self.MIME[self.kind]};base64,{self._data()}"
        if self.kind == "mp4":
            return f'<video src="{src}" controls autoplay loop muted playsinline style="max-width:100%"></video>'
        return f'<img src="{src}" style="max-width:100%"/>'


# -- frames, possibly from worker processes ---------------------------------------------------

def _worker(parent, rank, workers, indices, source, transform, slots, slot_bytes, per_worker, conn, free):
    """Compose every ``workers``-th frame, starting at ``rank``, into this worker's ring of slots.

    Ctrl-C is the parent's to handle; SIGTERM (from the parent stopping us, or
    from the kernel when the parent dies) exits quietly through ``SystemExit``.
    """
    setup_worker(parent)
    try:
        for k, position in enumerate(range(rank, len(indices), workers)):
            frame = source.frame(indices[position])
            out = np.ascontiguousarray(transform(frame) if transform is not None else frame)
            free.acquire()
            slot = rank * per_worker + k % per_worker
            np.frombuffer(slots, dtype=out.dtype, count=out.size,
                          offset=slot * slot_bytes).reshape(out.shape)[...] = out
            conn.send((out.shape, out.dtype.str))
    except Exception as error:  # reported to the parent, which raises it there
        conn.send(("error", f"{type(error).__name__}: {error}"))
    finally:
        conn.close()


def iter_frames(source, indices, *, transform=None, workers=None):
    """Yield ``transform(source.frame(i))`` for ``indices`` in order, composed in parallel when it pays.

    Workers are forked processes that inherit ``source``; worker ``r`` makes
    frames ``r, r + workers, ...`` and copies each into a slot of its own ring
    in shared memory, sending only a few bytes through a pipe.  (At 960x540,
    pickling frames through a process pool cost as much as drawing them.)  A
    worker waits while its ring is full, so memory stays flat however many
    frames there are.  ``transform`` (e.g. GIF quantisation) runs in the workers.
    Workers die with this process, even when it is killed; when the generator
    is closed (an error, Ctrl-C, SIGTERM) they are stopped and reaped.
    """
    indices = list(indices)
    if workers is None:
        workers = min(os.cpu_count() or 1, 4)
    if workers <= 1 or len(indices) < 8 or "fork" not in multiprocessing.get_all_start_methods():
        for i in indices:
            frame = source.frame(i)
            yield transform(frame) if transform is not None else frame
        return
    context = multiprocessing.get_context("fork")
    per_worker = 3
    width, height = source.size
    slot_bytes = width * height * 3
    slots = mmap.mmap(-1, workers * per_worker * slot_bytes)
    pipes, frees, processes = [], [], []
    parent = os.getpid()
    try:
        for rank in range(workers):
            receive, send = context.Pipe(duplex=False)
            free = context.Semaphore(per_worker)
            process = context.Process(target=_worker, daemon=True, args=(
                parent, rank, workers, indices, source, transform, slots, slot_bytes, per_worker, send, free))
            process.start()
            send.close()
            pipes.append(receive)
            frees.append(free)
            processes.append(process)
        made = [0] * workers
        for position in range(len(indices)):
            rank = position % workers
            try:
                shape, dtype = pipes[rank].recv()
            except EOFError:
                raise RuntimeError(f"frame worker {rank} died while drawing frame {indices[position]}") from None
            if shape == "error":
                raise RuntimeError(f"frame worker failed on frame {indices[position]}: {dtype}")
            slot = rank * per_worker + made[rank] % per_worker
            made[rank] += 1
            frame = np.frombuffer(slots, dtype=dtype, count=int(np.prod(shape)),
                                  offset=slot * slot_bytes).reshape(shape).copy()
            frees[rank].release()
            yield frame
    finally:
        for process in processes:
            if process.is_alive():
                process.terminate()
        for process in processes:
            process.join(5)
            if process.is_alive():     # stuck in C code that ignores SIGTERM
                process.kill()
                process.join()
        for pipe in pipes:
            pipe.close()
        slots.close()


def render(recording, path, *, size=(960, 540), fps=25, hold=2.0, theme="default", shade=False,
           frame=None, progress=None, workers=None):
    """Render ``recording``'s training animation to ``path``; returns an :class:`Animation`.

    ``progress(done, total)`` is called after each frame is written; ``frame``
    picks the frame of a ``.png`` (``"first"``, ``"last"``, or an epoch).
    """
    kind = check_render_options(path, size=size, fps=fps, hold=hold)
    animation = TrainingAnimation(recording, size=size, theme=theme, shade=shade)
    return write_animation(animation, path, kind=kind, fps=fps, hold=hold, frame=frame, progress=progress,
                           workers=workers)


def write_animation(source, path, *, kind=None, fps=25, hold=2.0, frame=None, progress=None, workers=None):
    """Write any frame source (a :class:`~renderers.layout.FrameSource`) to ``path``; returns an :class:`Animation`.

    The writer comes from the registry, by ``kind`` or by the path's extension;
    it says which frames it takes (a ``.png`` takes the one ``frame`` picks), is
    made ready for the source (a GIF's palette) and may ``transform`` frames in
    the workers.  ``progress(done, total)`` is called after each frame is written.
    """
    writer_class = writer_named(kind) if kind else writer_for(path)
    writer_class.check_options(size=source.size, fps=fps, hold=hold)
    indices = list(writer_class.frames_to_write(source, frame=frame))
    report = progress or (lambda done, total: None)
    writer = writer_class.for_source(path, source, fps=fps, hold=hold)
    with writer, contextlib.closing(iter_frames(source, indices, transform=writer.transform,
                                                workers=workers)) as frames:
        for done, item in enumerate(frames, 1):
            writer.write(item)
            report(done, len(indices))
    return Animation(path, writer_class.KIND, len(indices), source.size)


def count_frames(recording, **options):
    """Frames a render would produce, through the null writer (for tests and dry runs)."""
    animation = TrainingAnimation(recording, **options)
    writer = NullWriter()
    with writer:
        for item in iter_frames(animation, range(len(animation)), workers=1):
            writer.write(item)
    return writer

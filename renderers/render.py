"""Recording -> frames -> file, in one call.

>>> from animator import RunConfig, train
>>> from renderers import render
>>> animation = render(train(RunConfig(hyperparameters={"decay": 1e-3, "momentum": 0.9})),
...                    "outputs/sgd.gif")                                        # doctest: +SKIP
>>> animation          # in Jupyter, shows itself inline                         # doctest: +SKIP

The output type comes from the path: ``.gif``, ``.mp4``, ``.png`` (one frame),
or a directory (every frame as PNG).  Frames are composed in worker processes
when that pays (fork, on Linux) and written in order, a bounded number in
flight, so memory does not grow with the number of frames.
"""

import base64
import mmap
import multiprocessing
import os
import signal

import numpy as np

from animator.errors import UserError
from animator.fileio import check_writable

from .training import TrainingAnimation, check_frame_size
from .writers import GifWriter, HtmlWriter, Mp4Writer, NullWriter, PngSequenceWriter, check_gif_fps, gif_palette, write_png

KINDS = {".gif": "gif", ".mp4": "mp4", ".png": "png", ".html": "html"}


def output_kind(path):
    """``gif``, ``mp4``, ``png`` or ``frames`` (a directory) for ``path``; anything else is an error."""
    text = os.fspath(path)
    if text.endswith(os.sep) or os.path.isdir(text):
        return "frames"
    extension = os.path.splitext(text)[1].lower()
    if extension in KINDS:
        return KINDS[extension]
    raise UserError(f"{text}: unknown output type {extension or '(no extension)'!r} "
                    f"(use .gif, .mp4, .png, .html, or a directory ending in /)")


def check_animation_options(kind, *, size=(960, 540), fps=25, hold=0.0):
    """The checks on frame rate, hold and size that need no file, with the CLI's wording."""
    width, height = size
    if not fps > 0:
        raise UserError(f"--fps must be positive (got {fps:g})")
    if kind == "gif":
        check_gif_fps(fps)
    if kind in ("mp4", "html") and (width % 2 or height % 2):
        raise UserError(f"--size {width}x{height}: H.264 needs even width and height")
    if not hold >= 0:
        raise UserError(f"--hold must be 0 or more seconds (got {hold:g})")
    check_frame_size(size)


def check_render_options(path, *, size=(960, 540), fps=25, hold=0.0):
    """Every check that can fail before any work is done; returns the output kind."""
    kind = output_kind(path)
    check_animation_options(kind, size=size, fps=fps, hold=hold)
    if kind == "frames":
        parent = os.path.dirname(os.path.abspath(os.fspath(path).rstrip(os.sep) or os.sep))
        check_writable(os.path.join(parent, "probe"))
    else:
        check_writable(path)
    return kind


def pick_frame(animation, which):
    """Index of ``which`` (``first``, ``last`` or an epoch number) among the animation's frames."""
    if which in (None, "last"):
        return len(animation) - 1
    if which == "first":
        return 0
    try:
        epoch = int(which)
    except (TypeError, ValueError):
        raise UserError(f"--frame must be first, last or an epoch number (got {which!r})") from None
    matches = np.flatnonzero(animation.epochs == epoch)
    if matches.size == 0:
        near = animation.epochs[np.argsort(np.abs(animation.epochs - epoch))[:3]]
        raise UserError(f"--frame {epoch}: no frame at that epoch; the nearest are at epochs "
                        f"{', '.join(str(e) for e in sorted(near))}")
    return int(matches[0])


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
            with open(self.path, encoding="ascii") as handle:
                page = handle.read()
            return page[page.index("<video"):page.index("</video>") + len("</video>")]
        src = f"data:{self.MIME[self.kind]};base64,{self._data()}"
        if self.kind == "mp4":
            return f'<video src="{src}" controls autoplay loop muted playsinline style="max-width:100%"></video>'
        return f'<img src="{src}" style="max-width:100%"/>'


# -- frames, possibly from worker processes ---------------------------------------------------

def _worker(rank, workers, indices, source, transform, slots, slot_bytes, per_worker, conn, free):
    """Compose every ``workers``-th frame, starting at ``rank``, into this worker's ring of slots."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C is the parent's to handle
    try:
        for k, position in enumerate(range(rank, len(indices), workers)):
            frame = source.frame(indices[position])
            out = np.ascontiguousarray(transform(frame) if transform is not None else frame)
            free.acquire()
            slot = rank * per_worker + k % per_worker
            np.frombuffer(slots, dtype=out.dtype, count=out.size,
                          offset=slot * slot_bytes).reshape(out.shape)[...] = out
            conn.send((out.shape, out.dtype.str))
    except BaseException as error:  # reported to the parent, which raises it there
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
    try:
        for rank in range(workers):
            receive, send = context.Pipe(duplex=False)
            free = context.Semaphore(per_worker)
            process = context.Process(target=_worker, daemon=True, args=(
                rank, workers, indices, source, transform, slots, slot_bytes, per_worker, send, free))
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
    """Write any frame source (``len(source)``, ``source.frame(i)``, ``source.colours()``) to ``path``."""
    kind = kind or output_kind(path)
    total = len(source)
    report = progress or (lambda done, total: None)
    if kind == "png":
        index = pick_frame(source, frame)
        write_png(path, source.frame(index))
        report(1, 1)
        return Animation(path, kind, 1, source.size)
    if kind == "gif":
        # every other pixel of four frames: exact colours (no averaging), a quarter of the work
        samples = [source.frame(i)[::2, ::2] for i in sorted({0, total // 3, (2 * total) // 3, total - 1})]
        required = source.colours()
        writer = GifWriter(path, fps=fps, hold=hold, palette=gif_palette(samples, required), required=required)
    elif kind == "mp4":
        writer = Mp4Writer(path, fps=fps, hold=hold)
    elif kind == "html":
        writer = HtmlWriter(path, fps=fps, hold=hold, title=os.path.basename(os.fspath(path)))
    elif kind == "frames":
        writer = PngSequenceWriter(path)
    else:
        writer = NullWriter()
    if kind == "gif":
        # the workers map frames to palette indices too; the writer then only encodes
        transform, write = writer.quantize, writer.write_indices
    else:
        transform, write = None, writer.write
    with writer:
        for done, item in enumerate(iter_frames(source, range(total), transform=transform, workers=workers), 1):
            write(item)
            report(done, total)
    return Animation(path, kind, total, source.size)


def count_frames(recording, **options):
    """Frames a render would produce, through the null writer (for tests and dry runs)."""
    animation = TrainingAnimation(recording, **options)
    writer = NullWriter()
    with writer:
        for item in iter_frames(animation, range(len(animation)), workers=1):
            writer.write(item)
    return writer

"""Recording -> frames -> file, in one call.

>>> from animator import RunConfig, train
>>> from renderers import render
>>> animation = render(train(RunConfig(hyperparameters={"decay": 1e-3, "momentum": 0.9})),
...                    "outputs/sgd.gif")                                        # doctest: +SKIP
>>> animation          # in Jupyter, shows itself inline                         # doctest: +SKIP

The output type comes from the path, through the writer registry
(:mod:`renderers.writers`, which lists the formats; a folder gets every frame
as PNG, and only a new, empty or earlier frames folder is written, see
:mod:`renderers.writers.frames_folder`).  This module knows no format.  Frames are composed in worker processes
when that pays (fork, on Linux) and written in order, a bounded number in
flight, so memory does not grow with the number of frames; a format that can
(GIF, a player page) has them encoded there too, and the parent only
concatenates their bytes.

Options every animation takes: ``max_bytes`` (GIF and MP4 are fitted into the
budget, see :mod:`renderers.writers.budget`), ``poster`` (a still,
``NAME.poster.png``, beside the animation, or ``poster.png`` inside a frames
folder), ``metadata`` (a description carried
inside the file, see :mod:`renderers.writers.metadata`) and, for a frames
folder, ``latex`` (``animation.tex`` for LaTeX's ``animate`` package).
"""

import base64
import collections
import contextlib
import html
import mmap
import multiprocessing
import os

import numpy as np

from animator import __version__, pool
from animator.fileio import check_writable

from .writers.estimate import check_estimate, default_workers, estimate_render
from .writers import (NullWriter, check_frame_choice, check_poster_target, encode_metadata, pick_frame, poster_path, write_png,
                      write_within, writer_for, writer_named)

CHUNK = 25      # frames a worker encodes in a row at most (see iter_encoded)


def output_kind(path):
    """The kind of output ``path`` names (``gif``, ``mp4``, ``png``, ``html``, ``frames``), from the writer registry."""
    return writer_for(path).KIND


def _training_layout():
    # imported when a render asks, not with this module: the command line's parser imports this module
    # for its checks, and the layout brings Pillow, the Recording and the drawing code (see tests/.../test_cli.py)
    from .training import TrainingAnimation

    return TrainingAnimation


def check_animation_options(kind, *, size=(960, 540), fps=25, hold=0.0, layout=None):
    """The checks on frame rate, hold and size that need no file: the ``layout`` class's (by default the
    training animation's) and the writer's."""
    writer_named(kind).check_options(size=size, fps=fps, hold=hold)
    (layout or _training_layout()).check_size(size)


def check_render_options(path, *, writer=None, size=(960, 540), fps=25, hold=0.0, layout=None,
                         max_bytes=None, poster=None, latex=False, loop=None):
    """Every check that can fail before any work is done, touching no file; returns the writer class.

    Pass what it returns to :func:`write_animation` (``writer=``) and
    :func:`check_render_budget`: the writer is chosen once, here, and these
    options are not checked again.  ``writer``: the writer class, when the
    caller has already chosen it from ``path`` (by default, the registry does).

    The writer for ``path`` checks the options, what it can add (a byte
    budget, a poster, a LaTeX snippet) and the target (a frames folder must be
    new, empty or an earlier frames output; a poster's place must be
    writable), and ``layout`` (a :class:`~renderers.layout.Layout` class, by
    default the training animation's) checks the frame size.  Whether a poster's epoch exists is known only
    once there are frames.
    """
    writer = writer or writer_for(path)
    writer.check_options(size=size, fps=fps, hold=hold)
    writer.check_extras(max_bytes=max_bytes, poster=poster, latex=latex, loop=loop)
    check_frame_choice(poster, "poster")
    (layout or _training_layout()).check_size(size)
    writer.check_target(path)
    if poster is not None and not writer.DIRECTORY:      # a folder's poster goes inside it
        check_writable(poster_path(path))
        check_poster_target(poster_path(path))
    return writer


def check_render_budget(path, *, size, frames, workers=None, kind=None, writer=None):
    """Estimate what writing ``frames`` frames of ``size`` to ``path`` takes, and refuse it beyond the machine.

    Memory is for the parent and every frame worker together; a player or a
    frames folder also gets its bytes (against the disk's free space and what
    the format can hold) and time (against
    :data:`~renderers.writers.estimate.MAX_SECONDS`).  ``workers`` beyond the
    cores or the frames are lowered; None picks as many as fit.  Returns the
    :class:`~renderers.writers.estimate.Estimate` (its ``workers`` are the ones
    to draw with); refuses with an :class:`ArgumentError` (``workers``,
    ``size``) or a :class:`UserError` naming ``path``.  Nothing is drawn or
    touched, so call it before training.  ``writer``: the class
    :func:`check_render_options` returned (else by ``kind`` or by the path).
    """
    writer_class = writer or (writer_named(kind) if kind else writer_for(path))
    estimate = estimate_render(writer_class, path, size=size, frames=frames, workers=workers)
    return check_estimate(estimate, path, writer_class)


def run_metadata(kind, caption, spec, command=None):
    """The description every written file carries (see :mod:`renderers.writers.metadata`).

    ``kind`` is ``training``, ``race``, ``descent``, ``race2d`` or ``figure``;
    ``caption`` the run's one line (``SGD · lr=1.0 · decay=0.001``); ``spec``
    its settings as plain values; ``command`` the command line that made it.
    """
    return {"animator": __version__, "caption": caption, "command": None if command is None else list(command),
            "kind": kind, "spec": spec}


def training_metadata(recording, command=None):
    """The description of a training animation: its optimizer as the caption, its Recording's spec.

    The spec leaves out the library versions (the file's bytes would follow
    them); everything else in it is the run's.
    """
    from .layout import describe

    spec = {key: value for key, value in recording.spec.to_json().items() if key != "versions"}
    return run_metadata("training", describe(recording.spec.optimizer), spec, command)


class Animation:
    """A rendered file; shows itself inline in Jupyter.

    ``fit`` is what meeting a byte budget did (a :class:`~renderers.writers.Fit`),
    or None; ``poster`` the poster's path, or None.
    """

    def __init__(self, path, kind, frames, size, *, fit=None, poster=None):
        self.path, self.kind, self.frames, self.size = os.fspath(path), kind, frames, size
        self.fit, self.poster = fit, poster

    def __repr__(self):
        return f"<Animation {self.path}: {self.kind}, {self.frames} frames, {self.size[0]}x{self.size[1]}>"

    def _data(self):
        with open(self.path, "rb") as handle:
            return base64.b64encode(handle.read()).decode("ascii")

    def _repr_html_(self):
        tag = writer_named(self.kind).HTML_TAG      # how the format says a page shows it
        if tag == "iframe":         # a page of its own (the player), so its script and keys stay its own
            with open(self.path, encoding="utf-8") as handle:
                page = handle.read()
            width, height = self.size
            return (f'<iframe srcdoc="{html.escape(page)}" width="{width + 24}" height="{height + 110}" '
                    f'style="border:0;max-width:100%" title="{html.escape(os.path.basename(self.path))}"></iframe>')
        if not tag:
            return f"<code>{self.frames} frames ({html.escape(self.kind)}) in {html.escape(self.path)}</code>"
        src = f"data:{writer_named(self.kind).MIME};base64,{self._data()}"
        if tag == "video":
            return f'<video src="{src}" controls autoplay loop muted playsinline style="max-width:100%"></video>'
        return f'<img src="{src}" style="max-width:100%"/>'


# -- frames, possibly from worker processes ---------------------------------------------------

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


def render(recording, path, *, size=(960, 540), fps=25, hold=2.0, theme="default", shade=False,
           frame=None, progress=None, workers=None, max_bytes=None, poster=None, metadata=None, latex=False):
    """Render ``recording``'s training animation to ``path``; returns an :class:`Animation`.

    ``progress(done, total)`` is called after each frame is written; ``frame``
    picks the frame of a ``.png`` (``"first"``, ``"last"``, or an epoch).  The
    file carries ``metadata``, by default :func:`training_metadata`; see
    :func:`write_animation` for ``max_bytes``, ``poster`` and ``latex``.
    """
    writer = check_render_options(path, size=size, fps=fps, hold=hold, max_bytes=max_bytes, poster=poster,
                                  latex=latex)
    animation = _training_layout()(recording, size=size, theme=theme, shade=shade)
    return write_animation(animation, path, writer=writer, fps=fps, hold=hold, frame=frame, progress=progress,
                           workers=workers, max_bytes=max_bytes, poster=poster, latex=latex,
                           metadata=training_metadata(recording) if metadata is None else metadata)


def write_animation(source, path, *, writer=None, kind=None, fps=25, hold=2.0, frame=None, progress=None, workers=None,
                    max_bytes=None, poster=None, metadata=None, latex=False, show_log=False, loop=None):
    """Write any frame source (a :class:`~renderers.layout.FrameSource`) to ``path``; returns an :class:`Animation`.

    The writer is ``writer``, the class :func:`check_render_options` returned
    (which checked these options already, so they are not checked again), or
    comes from the registry, by ``kind`` or by the path's extension, and checks
    the options itself; it says which frames it takes (a ``.png`` takes the one ``frame`` picks), is
    made ready for the source (a GIF's palette) and may ``transform`` frames in
    the workers.  ``progress(done, total)`` is called after each frame is written.

    - ``max_bytes``: the GIF or MP4 must fit in this many bytes; what was reduced
      is the returned Animation's ``fit`` (:func:`~renderers.writers.write_within`).
      An :class:`ArgumentError` (``max_bytes``) if it cannot, and no file.
    - ``poster``: ``first``, ``last`` or an epoch; that frame, as drawn (not
      reduced for the budget), is written as ``NAME.poster.png`` beside the
      animation once the animation is in place (a frames folder keeps it
      inside, as ``poster.png``, and its LaTeX line shows it).
    - ``metadata``: a JSON-able dict carried inside the file (and the poster).
    - ``latex``: a frames folder also gets ``animation.tex``.
    - ``loop``: how many times a format that loops (``LOOPS``: GIF, WebP) plays; 0 or None for ever.
    - ``show_log``: an external encoder (ffmpeg) writes its own log to the terminal (``--debug``).
    """
    writer_class = writer
    if writer_class is None:
        writer_class = writer_named(kind) if kind else writer_for(path)
        writer_class.check_options(size=source.size, fps=fps, hold=hold)
        writer_class.check_extras(max_bytes=max_bytes, poster=poster, latex=latex, loop=loop)
    indices = list(writer_class.frames_to_write(source, frame=frame))
    workers = check_render_budget(path, size=source.size, frames=len(indices), workers=workers,
                                  writer=writer_class).workers
    text = None if metadata is None else encode_metadata(metadata)
    still = poster_index = None
    if poster is not None:
        poster_index = pick_frame(source, poster, "poster")
        if not writer_class.DIRECTORY:          # a frames folder copies its poster frame itself
            still = (poster_path(path), source.frame(poster_index))
    report = progress or (lambda done, total: None)

    def frames(transform):
        return contextlib.closing(iter_frames(source, indices, transform=transform, workers=workers))

    fit = None
    if max_bytes is not None:
        fit = write_within(writer_class, path, source, frames, fps=fps, hold=hold, max_bytes=max_bytes,
                           metadata=text, progress=report, total=len(indices), loop=loop)
        written, size = fit.frames, fit.size
    else:
        # only what was asked for is passed, so a writer that knows no extras still works without them
        options = {"latex": True} if latex else {}
        if poster_index is not None and writer_class.DIRECTORY:
            options["poster"] = poster_index
        if text is not None:
            options["metadata"] = text
        if show_log:
            options["show_log"] = True
        if loop is not None:
            options["loop"] = loop
        sink = writer_class.for_source(path, source, fps=fps, hold=hold, **options)
        # a format whose frames are encoded in the workers offers the function that does it
        encode = sink.encoder(len(indices)) if hasattr(sink, "encoder") else None
        if encode is not None:
            with sink, contextlib.closing(iter_encoded(source, indices, encode=encode, transform=sink.transform,
                                                       workers=workers)) as items:
                for done, data in enumerate(items, 1):
                    sink.write_encoded(data)
                    report(done, len(indices))
        else:
            with sink, frames(sink.transform) as items:
                for done, item in enumerate(items, 1):
                    sink.write(item)
                    report(done, len(indices))
        written, size = len(indices), source.size
    if still is not None:
        write_png(still[0], still[1], metadata=text)
    poster_file = None if poster is None else poster_path(path, directory=writer_class.DIRECTORY)
    return Animation(path, writer_class.KIND, written, size, fit=fit, poster=poster_file)


def count_frames(recording, **options):
    """Frames a render would produce, through the null writer (for tests and dry runs)."""
    animation = _training_layout()(recording, **options)
    writer = NullWriter()
    with writer:
        for item in iter_frames(animation, range(len(animation)), workers=1):
            writer.write(item)
    return writer

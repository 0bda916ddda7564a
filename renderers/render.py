"""Recording -> frames -> file, in one call.

>>> from animator import RunConfig, train
>>> from renderers import render
>>> animation = render(train(RunConfig(hyperparameters={"decay": 1e-3, "momentum": 0.9})),
...                    "outputs/sgd.gif")                                        # doctest: +SKIP
>>> animation          # in Jupyter, shows itself inline                         # doctest: +SKIP

The output type comes from the path, through the writer registry
(:mod:`renderers.writers`, which lists the formats; a folder gets every frame
as PNG, and only a new, empty or earlier frames folder is written, see
:mod:`renderers.writers.frames_folder`).  This module knows no format.  Frames are composed in worker
processes when that pays (fork, on Linux) and written in order, a bounded number in flight, so memory
does not grow with the number of frames; a format that can (GIF, a player page) has them encoded there
too, and the parent only concatenates their bytes (:mod:`renderers.frame_workers`).

Options every animation takes: ``max_bytes`` (GIF and MP4 are fitted into the
budget, see :mod:`renderers.writers.budget`), ``poster`` (a still,
``NAME.poster.png``, beside the animation, or ``poster.png`` inside a frames
folder), ``metadata`` (a description carried
inside the file, see :mod:`renderers.writers.metadata`) and, for a frames
folder, ``latex`` (``animation.tex`` for LaTeX's ``animate`` package).
"""

import base64
import contextlib
import html
import os

from animator import __version__
from animator.fileio import check_writable

from .frame_workers import iter_encoded, iter_frames
from .writers.estimate import check_estimate, estimate_render
from .writers import (NullWriter, check_frame_choice, check_poster_target, encode_metadata, pick_frame, poster_path, write_png,
                      write_within, writer_for, writer_named)



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

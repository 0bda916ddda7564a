"""``animator book``: every figure of the chapter, regenerated into one folder with a gallery.

Each figure is a *job*: a scene (see :mod:`animator_app.scenes`) taken from
the chapter's table (:mod:`animator.chapter`), computed and written under a
stable, descriptive file name, so slides can link to it.  Jobs run in a pool
of worker processes, one per core; a failing job is reported while the rest go on.

The book redoes only what changed, with two records in its cache folder
(``OUT/.animator-cache/`` unless given another):

* ``runs/``: every training run's Recording (a race's, one per entrant), keyed
  by its full RunConfig (and a race's entrants) and the engine's versions and
  code (:mod:`animator.cache`), so a change of theme, size, rate or format
  trains nothing;
* ``jobs/``: for each job, a key made of its definition in the chapter's
  table, every book option (the command line included, since every file
  carries it) and the versions and code of everything that draws and encodes,
  with the SHA-256 of each file it wrote.  When the key is the same and every
  file is still there with those bytes, the job is not run at all: the same
  inputs make the same bytes, so there is nothing to redo.

``force=True`` reads neither (everything is computed again) but writes both.
Entries are written atomically, manifests last.

The cache folder is data, never authority: it may be shared or edited.  A
job's record is read bounded in size and depth and checked against its
schema; the files it must list are the ones the job writes (from the job
table, not from the record), each must be in the folder with the bytes
recorded; and the gallery links only to the files the book writes, by plain
relative name from the job table.  A record that does not verify (damaged,
tampered, too deep) is made again with one note, never trusted.
"""

import hashlib
import html
import json
import logging
import os
import re
import time
import traceback
from dataclasses import dataclass, field, replace

from animator import pool
from animator.cache import Damaged, RunCache, config_check, digest, engine_versions, is_sha256, source_fingerprint
from animator.chapter import BOOK_RACES_2D, DESCENTS, LEARNING_RATES, NETWORK_RACES, RACES_2D, TRAINING_FIGURES
from animator.errors import ArgumentError, UserError
from animator.fileio import atomic_output, check_writable
from animator.race import RaceResult, entrant
from animator.run import RunConfig, planned_frames, train
from animator.untrusted import is_regular_file, load_json, open_input, read_bounded, shown
from renderers.figures import LossCurves, loss_curves_png
from renderers.layout import describe
from renderers.render import check_animation_options, run_metadata, write_animation
from renderers.writers import (add_png_metadata, check_frame_choice, encode_metadata, format_bytes, poster_path,
                               writer_for, writer_named)
from renderers.writers.registry import animation_formats, still_formats

from .scenes import ContourRaceScene, DescentScene, NetworkRaceScene, TrainingScene

log = logging.getLogger(__name__)

FORMATS = tuple(animation_formats())     # every format that holds an animation a page shows inline
STILL = still_formats()[0]              # the format of the figures that are one picture
CACHE_FOLDER = ".animator-cache"     # inside the output folder, unless another is given
MAX_RECORD_BYTES = 256 << 10         # a job's record: a few hashes and captions, far under this
MAX_RECORD_DEPTH = 4                 # {"outputs": [{"caption": ...}]}
MAX_TEXT = 4000                      # a caption or settings line of the gallery
# what the gallery may link to: a plain file name in the book's folder (no scheme, no folder, no '..')
PLAIN_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


@dataclass(frozen=True)
class BookOptions:
    """What can be reduced for a quick run; the defaults are the chapter's."""

    epochs: int = 10000
    frames: int = 200
    size: tuple = (960, 540)
    fps: float = 25.0
    hold: float = 2.0
    format: str = FORMATS[0]
    theme: str = "default"
    max_bytes: int = None         # each animation fits in this many bytes
    poster: str = None            # first, last or an epoch: a NAME.poster.png beside each animation
    command: tuple = None         # the command line, for the description each file carries


@dataclass(frozen=True)
class Output:
    """One file of the gallery."""

    filename: str
    figure: str
    caption: str
    settings: str
    fit: object = None            # what a byte budget reduced (renderers.writers.Fit), if there was one


@dataclass(frozen=True)
class Job:
    """One figure (one or more files); ``run(options, directory)`` returns its Outputs."""

    name: str
    section: str
    run: object = field(repr=False)
    definition: object = None     # what the job makes, as plain values (None: always redone)
    stem: str = None              # its files' name before the extension
    animations: tuple = ()        # the stems it writes as the book's animations (NAME.gif, NAME.mp4, ...)
    stills: tuple = ()            # the still files it writes, after its animations in the gallery


def animation_name(stem, options):
    """The file an animation called ``stem`` is written to, in the book's format: ``fig19_sgd.gif``."""
    return stem + writer_named(options.format).EXTENSIONS[0]


def still_name(stem):
    """The file a still called ``stem`` is written to: ``fig14_learning_rates.png``."""
    return stem + writer_named(STILL).EXTENSIONS[0]


def _html_tag(name):
    """How a page shows the file ``name`` (``img``, ``video``; ``""``: a link only), as its format declares."""
    try:
        return writer_for(name).HTML_TAG
    except UserError:
        return ""


def gallery_names(job, options):
    """The files of ``job`` the gallery shows, in order, from the job table alone (never from a record)."""
    return [animation_name(stem, options) for stem in job.animations] + list(job.stills)


def written_names(job, options):
    """Every file ``job`` writes: what the gallery shows and, with ``--poster``, each animation's poster."""
    posters = [os.path.basename(poster_path(animation_name(stem, options))) for stem in job.animations]
    return gallery_names(job, options) + (posters if options.poster is not None else [])


def check_book_options(directory, options):
    """Everything that can be refused before the first figure: folder, format, size, rate, hold."""
    if os.path.exists(directory) and not os.path.isdir(directory):
        raise UserError(f"{directory}: exists and is not a directory")
    if options.format not in FORMATS:
        raise ArgumentError("format", f"must be one of {', '.join(FORMATS)} (got {options.format!r})")
    check_animation_options(options.format, size=options.size, fps=options.fps, hold=options.hold)
    writer_named(options.format).check_extras(max_bytes=options.max_bytes, poster=options.poster)
    check_frame_choice(options.poster, "poster")
    for layout in (*(scene.layout for scene in (TrainingScene, NetworkRaceScene, DescentScene, ContourRaceScene)),
                   LossCurves):
        layout.check_size(options.size)
    if options.max_bytes is not None:
        floor = smallest_description(options)
        if options.max_bytes < floor:
            raise ArgumentError("max_bytes", f"{format_bytes(options.max_bytes)} cannot hold any figure of the book: "
                                             f"each file carries its description, {format_bytes(floor)} or more")
    check_writable(os.path.join(directory if os.path.isdir(directory) else
                                os.path.dirname(os.path.abspath(directory)), "probe"))


def smallest_description(options):
    """Fewer bytes than any animation of the book holds: a description with no caption and no settings.

    Every file carries its description uncompressed, the command line
    included, so a byte budget below this cannot be met by any figure.
    """
    return len(encode_metadata(run_metadata("race", "", {}, options.command)))


def _animate(animation, directory, stem, options, metadata):
    """Write one animation of the book; returns its file name and what its budget reduced (or None)."""
    filename = animation_name(stem, options)
    written = write_animation(animation, os.path.join(directory, filename), kind=options.format, fps=options.fps,
                              hold=options.hold, workers=1, max_bytes=options.max_bytes, poster=options.poster,
                              metadata=metadata)
    return filename, written.fit


# -- the cache of runs ----------------------------------------------------------------------------
_CACHE = None       # the RunCache of the book being made; set before the pool forks (None: no cache)


def _runs(parts, compute, check):
    """The Recordings of the run ``parts`` describes: from the cache, or ``compute()`` and kept."""
    if _CACHE is None:
        return list(compute())
    return _CACHE.fetch(parts, compute, check)


def _race(scene):
    """A race's result, its entrants' Recordings from the cache when they are there."""
    fresh = []

    def compute():
        fresh.append(scene.compute())
        return fresh[0].recordings

    configs = [replace(scene.config, optimizer=spec.name, hyperparameters=dict(spec.hyperparameters))
               for spec in scene.specs]
    recordings = _runs(("race", scene.config, scene.specs), compute, config_check(*configs))
    if fresh:
        return fresh[0]
    return RaceResult([entrant(spec) for spec in scene.specs], recordings, planned_frames(scene.config),
                      scene.config)


# -- the jobs, from the chapter's table ---------------------------------------------------------

def _training_job(figure):
    def run(options, directory):
        scene = TrainingScene(RunConfig(optimizer=figure.optimizer.name,
                                        hyperparameters=dict(figure.optimizer.hyperparameters),
                                        epochs=options.epochs, frames=options.frames))
        recording, = _runs(("training", scene.config), lambda: [scene.compute()], config_check(scene.config))
        filename, fit = _animate(scene.animation(recording, size=options.size, theme=options.theme), directory,
                                 figure.name, options, scene.metadata(recording, options.command))
        return [Output(filename, figure.figure, f"{figure.caption} {scene.summary(recording)}",
                       describe(figure.optimizer), fit)]

    return Job(figure.name, "Training the chapter's model", run, figure, figure.name, animations=(figure.name,))


def _descent_job(scene):
    def run(options, directory):
        trajectory = scene.compute()
        animation = scene.animation(trajectory, size=options.size, max_frames=options.frames,
                                    theme=options.theme)
        metadata = scene.metadata(trajectory, options.command)
        still = still_name(scene.file_stem)
        write_animation(animation, os.path.join(directory, still), kind=STILL, frame="last", metadata=metadata)
        if scene.curve_only:
            return [Output(still, scene.title, scene.caption, "")]
        settings = describe(trajectory.optimizer)
        filename, fit = _animate(animation, directory, scene.file_stem, options, metadata)
        return [Output(filename, scene.title, scene.caption, settings, fit),
                Output(still, scene.title + " (last step)", scene.caption, settings)]

    return Job(scene.file_stem, "The ball on a curve", run,
               (scene, DESCENTS[scene.preset] if scene.preset is not None else None), scene.file_stem,
               animations=() if scene.curve_only else (scene.file_stem,), stills=(still_name(scene.file_stem),))


def _learning_rates_job():
    def run(options, directory):
        epochs = max(options.epochs // LEARNING_RATES.epochs_share, 10)
        recordings, labels = [], []
        for label, spec in LEARNING_RATES.optimizers():
            config = RunConfig(hyperparameters=dict(spec.hyperparameters), epochs=epochs, frames=1, grid_resolution=2)
            recordings += _runs(("training", config), lambda config=config: [train(config)], config_check(config))
            labels.append(f"{label}: lr={spec.hyperparameters['lr']}")
        path = os.path.join(directory, "fig14_learning_rates.png")
        title = "Loss against steps for four learning rates"
        loss_curves_png(recordings, labels, path, size=options.size, title=title, theme=options.theme)
        caption = (f"The chapter's model trained with SGD (momentum {LEARNING_RATES.momentum}) at four learning "
                   f"rates, {epochs:,} epochs each: far too high, too high, too low and good.")
        settings = (f"SGD, momentum={LEARNING_RATES.momentum}: "
                    + ", ".join(f"lr={lr}" for _, lr in LEARNING_RATES.rates))
        add_png_metadata(path, run_metadata(
            "figure", f"{LEARNING_RATES.figure} · {title}",
            {"figure": LEARNING_RATES.figure, "epochs": epochs,
             "optimizers": [{"label": label, "name": spec.name, "hyperparameters": dict(spec.hyperparameters)}
                            for label, spec in LEARNING_RATES.optimizers()]}, options.command))
        return [Output("fig14_learning_rates.png", LEARNING_RATES.figure, caption, settings)]

    return Job("fig14 learning rates", "Learning rates", run, LEARNING_RATES, "fig14_learning_rates",
               stills=("fig14_learning_rates.png",))


def _race_job():
    def run(options, directory):
        scene = NetworkRaceScene.preset("chapter", RunConfig(epochs=options.epochs, frames=options.frames))
        result = _race(scene)
        filename, fit = _animate(scene.animation(result, size=options.size, theme=options.theme), directory,
                                 "race_chapter", options, scene.metadata(result, options.command))
        caption = ("All four optimizers with the chapter's tuned settings, from the same initial weights "
                   "on the same data, in lock-step.")
        return [Output(filename, "Optimizer race", caption, " | ".join(describe(s) for s in scene.specs), fit)]

    return Job("race chapter", "Optimizer races", run, NETWORK_RACES["chapter"], "race_chapter",
               animations=("race_chapter",))


def _contour_job(name):
    def run(options, directory):
        scene = ContourRaceScene(name)
        trajectories = scene.compute()
        animation = scene.animation(trajectories, size=options.size, max_frames=options.frames,
                                    theme=options.theme)
        filename, fit = _animate(animation, directory, f"race2d_{name}", options,
                                 scene.metadata(trajectories, options.command))
        settings = " | ".join(f"{e.label}: " + ", ".join(f"{k}={v}" for k, v in e.optimizer.hyperparameters.items())
                              for e in scene.race.entrants)
        caption = f"Five optimizers race down the {scene.race.function} function from the same start."
        return [Output(filename, f"2-D race: {scene.race.function}", caption, settings, fit)]

    return Job(f"race2d {name}", "Optimizer races", run, RACES_2D[name], f"race2d_{name}",
               animations=(f"race2d_{name}",))


def jobs():
    """Every job of the book, slowest first (so the pool finishes together)."""
    out = [_race_job(), _learning_rates_job()]
    out += [_training_job(figure) for figure in TRAINING_FIGURES]
    out += [_contour_job(name) for name in BOOK_RACES_2D]
    out += [_descent_job(DescentScene.curve())] + [_descent_job(DescentScene(preset=name)) for name in DESCENTS]
    return out


def remake(filename, options, directory):
    """Make the one figure of the book that writes ``filename`` (a base name) into ``directory``, without a cache.

    Returns the job's outputs; a file name no job writes is a :class:`UserError`.
    """
    global _CACHE
    stem = os.path.splitext(os.path.basename(filename))[0]
    stem = stem[:-len(".poster")] if stem.endswith(".poster") else stem
    for job in jobs():
        if job.stem == stem:
            _CACHE = None
            return job.run(options, directory)
    raise UserError(f"{filename}: no figure of the book writes this file")


# -- running ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class _Stop:
    """A job's ArgumentError, as plain values (an ArgumentError does not survive pickling between processes)."""

    argument: str
    problem: str


_JOBS = None


def render_versions():
    """What a file's bytes depend on besides its settings: the engine, the drawing and encoding code and libraries."""
    import imageio_ffmpeg
    import matplotlib
    import PIL

    import animator_app
    import renderers

    return {**engine_versions(), "matplotlib": matplotlib.__version__, "PIL": PIL.__version__,
            "imageio_ffmpeg": imageio_ffmpeg.__version__, "ffmpeg": os.path.basename(imageio_ffmpeg.get_ffmpeg_exe()),
            "source": source_fingerprint(renderers, animator_app)}


def _sha256(path):
    digest_ = hashlib.sha256()
    with open_input(path) as handle:          # a FIFO or a device in the folder is refused, never read
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest_.update(block)
    return digest_.hexdigest()


def _job_record(job, options):
    """The path of ``job``'s record in the cache and its key, or None when the job is not cached."""
    if _CACHE is None or job.definition is None or not job.animations + job.stills:
        return None
    key = digest({"job": job.name, "definition": job.definition, "options": options, "versions": _CACHE.versions})
    return os.path.join(_CACHE.jobs, f"{key}.json"), key


def _text(value):
    return isinstance(value, str) and len(value) <= MAX_TEXT and value.isprintable()


def read_record(path, key, job, options):
    """``(files, outputs)`` of ``job``'s record at ``path``: every field checked; :class:`Damaged` says what is wrong.

    ``files`` maps each file the job writes (from the job table) to the SHA-256
    the record holds for it; ``outputs`` are the gallery's entries, their file
    names from the job table and only their captions from the record.
    """
    try:
        stored = load_json(read_bounded(path, MAX_RECORD_BYTES, what="its record"), what="its record",
                           max_depth=MAX_RECORD_DEPTH)
    except UserError as error:
        raise Damaged(str(error)) from None
    if not isinstance(stored, dict) or set(stored) != {"key", "files", "outputs"}:
        raise Damaged("not a record this animator writes")
    if stored["key"] != key:
        raise Damaged("another job's record")
    files, names = stored["files"], written_names(job, options)
    if not isinstance(files, dict) or set(files) != set(names) or not all(map(is_sha256, files.values())):
        raise Damaged("it does not hold a hash of each file the figure writes")
    entries, shown_names = stored["outputs"], gallery_names(job, options)
    if not isinstance(entries, list) or len(entries) != len(shown_names):
        raise Damaged("it does not list the figure's files")
    outputs = []
    for entry, name in zip(entries, shown_names):
        if not isinstance(entry, dict) or set(entry) != {"filename", "figure", "caption", "settings"} \
                or entry["filename"] != name or not all(_text(entry[k]) for k in ("figure", "caption", "settings")):
            raise Damaged("it does not list the figure's files")
        outputs.append(Output(name, entry["figure"], entry["caption"], entry["settings"]))
    return files, outputs


def _unchanged(record, job, options, directory):
    """The Outputs ``job`` made before, if its record verifies and every file it writes still has those bytes.

    A record that does not verify is noted once and the figure is made again;
    a file edited or removed since is simply made again.
    """
    path, key = record
    if _CACHE.force or not os.path.lexists(path):
        return None
    try:
        files, outputs = read_record(path, key, job, options)
    except Damaged as error:
        _CACHE.notes.append(f"job record {key[:12]} is damaged, making the figure again: {shown(error)}")
        return None
    for name, sha in files.items():
        target = os.path.join(directory, name)
        if not is_regular_file(target) or _sha256(target) != sha:
            return None
    return outputs


def _remember(record, job, options, directory, outputs):
    """Write ``job``'s record: the hash of every file it writes, and the gallery's captions."""
    path, key = record
    names = written_names(job, options)
    if [output.filename for output in outputs] != gallery_names(job, options):
        raise RuntimeError(f"{job.name} wrote {[o.filename for o in outputs]}, not the files its job declares")
    if not all(is_regular_file(os.path.join(directory, name)) for name in names):
        log.info("%s: not every declared file was written; no record kept", job.name)
        return
    files = {name: _sha256(os.path.join(directory, name)) for name in names}
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with atomic_output(path) as temporary:
            with open(temporary, "w", encoding="utf-8") as handle:
                json.dump({"key": key, "files": files,
                           "outputs": [{"filename": o.filename, "figure": o.figure, "caption": o.caption,
                                        "settings": o.settings} for o in outputs]}, handle, sort_keys=True)
    except (OSError, UserError) as error:
        reason = (error.strerror or type(error).__name__) if isinstance(error, OSError) else str(error)
        _CACHE.notes.append(f"job record {key[:12]} could not be kept: {shown(reason)}")


def _run_job(args):
    """Run job ``index`` (or find it unchanged); ``(index, outputs, error, seconds, notes)``.

    An :class:`ArgumentError` (an option of the book that no figure can meet, such
    as a byte budget too small) is returned as a :class:`_Stop`: it ends the book.
    """
    index, options, directory = args
    job = _JOBS[index]
    start = time.perf_counter()
    seen = len(_CACHE.notes) if _CACHE is not None else 0
    hits = _CACHE.hits if _CACHE is not None else 0
    misses = _CACHE.misses if _CACHE is not None else 0
    notes = []
    try:
        record = _job_record(job, options)
        outputs = _unchanged(record, job, options, directory) if record else None
        if outputs is not None:
            notes.append("unchanged")
        else:
            outputs = job.run(options, directory)
            if record:
                _remember(record, job, options, directory, outputs)
            if _CACHE is not None and _CACHE.hits > hits and _CACHE.misses == misses:
                notes.append("runs from the cache")
        error = None
    except ArgumentError as failure:
        outputs, error = [], _Stop(failure.argument, failure.problem)
    except UserError as failure:
        outputs, error = [], str(failure)
    except OSError as failure:
        outputs, error = [], _os_error(failure)
    except Exception as failure:  # a bug in one figure must not stop the others
        outputs, error = [], traceback.format_exception_only(type(failure), failure)[-1].strip()
    if _CACHE is not None:
        notes += _CACHE.notes[seen:]
    return index, outputs, error, time.perf_counter() - start, notes


def _os_error(error):
    """An OSError in one line naming the file it was about, never a temporary file (``.NAME.x1y2.part``)."""
    names = [name for name in (error.filename2, error.filename) if name is not None]
    target = next((os.fspath(name) for name in names if not os.fspath(name).endswith(".part")), None)
    reason = error.strerror or type(error).__name__
    return f"{target}: {reason}" if target else reason


def make_book(directory, options=BookOptions(), *, workers=None, report=None, cache=None, force=False):
    """Regenerate every figure into ``directory``; returns ``(outputs by job, failures)``.

    ``report(done, total, job_name, seconds, error, outputs, notes)`` is called as
    each job ends; ``notes`` are short words on what was reused (``unchanged``,
    ``runs from the cache``) or found damaged.  ``cache`` is the cache folder
    (default ``directory/.animator-cache``; False: none); ``force=True``
    computes everything again.  An :class:`ArgumentError` from a job (an option
    no figure can meet, such as a byte budget too small) ends the book: the
    jobs not yet started are skipped and it is raised, once.
    """
    global _JOBS, _CACHE
    if options.format not in FORMATS:
        raise ArgumentError("format", f"must be one of {', '.join(FORMATS)} (got {options.format!r})")
    _JOBS = jobs()
    for job in _JOBS:
        for name in written_names(job, options):
            path = os.path.join(directory, name)
            if os.path.lexists(path) and not is_regular_file(path):
                raise UserError(f"{path}: is not a regular file, and the book writes a figure there")
    os.makedirs(directory, exist_ok=True)
    _CACHE = None
    if cache is not False:
        root = os.path.join(directory, CACHE_FOLDER) if cache is None else os.fspath(cache)
        _CACHE = RunCache(os.path.join(root, "runs"), force=force)
        # taken once, here, before the pool forks: every job sees the same code, even if a file is edited meanwhile
        _CACHE.jobs, _CACHE.versions = os.path.join(root, "jobs"), render_versions()
    total = len(_JOBS)
    results = [None] * total
    failures = []
    workers = workers or min(os.cpu_count() or 1, 4)
    tasks = [(i, options, directory) for i in range(total)]
    stopped = []

    def collect(item, done):
        index, outputs, error, seconds, notes = item
        results[index] = outputs
        if isinstance(error, _Stop) or stopped:
            stopped.append(error)
            return
        if error:
            failures.append((_JOBS[index].name, error))
        if report:
            report(done, total, _JOBS[index].name, seconds, error, outputs, notes)

    if workers > 1 and pool.can_fork():
        # forked workers inherit the job table and the cache; they exit through Python on SIGTERM, so a
        # half-written figure's temporary file is removed; memory a job leaves behind goes with its worker
        # (replaced every 4 jobs)
        with pool.Pool(workers, _run_job, tasks_per_worker=4) as running:
            for done, (_, item) in enumerate(running.as_finished(tasks), 1):
                collect(item, done)
                if stopped:
                    running.cancel()          # the jobs under way finish; no other starts
    else:
        for done, task in enumerate(tasks, 1):
            collect(_run_job(task), done)
            if stopped:
                break
    fatal = [error for error in stopped if isinstance(error, _Stop)]
    if fatal:
        raise ArgumentError(fatal[0].argument, fatal[0].problem)
    write_gallery(directory, [(job, results[i] or []) for i, job in enumerate(_JOBS)], failures)
    return results, failures


def linkable(directory, name):
    """True if the gallery may link to ``name``: a plain file name (no scheme, no folder, no '..') of a
    regular file in ``directory``."""
    return (isinstance(name, str) and PLAIN_NAME.fullmatch(name) is not None and ".." not in name
            and is_regular_file(os.path.join(directory, name)))


def write_gallery(directory, entries, failures):
    """``index.html``: every output with its figure, caption and hyper-parameters, by section.

    Only files of the book's folder are linked, by plain relative name; an
    output naming anything else is left out (the job table names every file,
    so this never drops a figure the book made).
    """
    sections = {}
    for job, outputs in entries:
        kept = [output for output in outputs if linkable(directory, output.filename)]
        if len(kept) < len(outputs):
            log.warning("%s: left out of the gallery: %s", job.name,
                        ", ".join(shown(repr(o.filename)) for o in outputs if o not in kept))
        sections.setdefault(job.section, []).extend(kept)
    parts = ["<!doctype html>", '<html lang="en"><head><meta charset="utf-8">',
             "<title>Neural Networks from Scratch, Chapter 10: Optimizers</title>",
             "<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;color:#222}"
             "figure{margin:0 0 2.5em}img,video{max-width:100%;border:1px solid #ddd}"
             "figcaption{margin-top:.4em}.settings{color:#666;font-family:monospace;font-size:.9em}"
             ".failed{color:#c0392b}</style></head><body>",
             "<h1>Chapter 10: Optimizers</h1>",
             "<p>Every figure regenerated by <code>animator book</code>.</p>"]
    for section, outputs in sections.items():
        parts.append(f"<h2>{html.escape(section)}</h2>")
        for out in outputs:
            link = html.escape(out.filename)
            tag = _html_tag(out.filename)
            media = (f'<video src="{link}" controls loop muted playsinline></video>' if tag == "video"
                     else f'<img src="{link}" alt="{html.escape(out.figure)}">' if tag == "img" else link)
            parts.append(f'<figure id="{link}"><a href="{link}">{media}</a><figcaption>'
                         f"<strong>{html.escape(out.figure)}</strong>: {html.escape(out.caption)}"
                         f'<br><span class="settings">{html.escape(out.settings)}</span>'
                         f'<br><a href="{link}">{link}</a></figcaption></figure>')
    if failures:
        parts.append('<h2 class="failed">Not generated</h2><ul>')
        parts += [f'<li class="failed">{html.escape(name)}: {html.escape(error)}</li>' for name, error in failures]
        parts.append("</ul>")
    parts.append("</body></html>")
    with atomic_output(os.path.join(directory, "index.html")) as temporary:
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write("\n".join(parts) + "\n")

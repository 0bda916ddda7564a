"""``animator book``: every figure of the chapter, regenerated into one folder with a gallery.

Each figure is a *job* (train and/or descend, then render); jobs run in a pool
of worker processes, one per core, and a failing job is reported while the rest
go on.  File names are stable and descriptive, so slides can link to them.
"""

import html
import multiprocessing
import os
import signal
import sys
import time
import traceback
from dataclasses import dataclass, field

from animator.errors import UserError

FORMATS = ("gif", "mp4")


@dataclass(frozen=True)
class BookOptions:
    """What can be reduced for a quick run; the defaults are the chapter's."""

    epochs: int = 10000
    frames: int = 200
    size: tuple = (960, 540)
    fps: float = 25.0
    hold: float = 2.0
    format: str = "gif"
    theme: str = "default"


@dataclass(frozen=True)
class Output:
    """One file of the gallery."""

    filename: str
    figure: str
    caption: str
    settings: str


@dataclass(frozen=True)
class Job:
    """One figure (one or more files); ``run(options, directory)`` returns its Outputs."""

    name: str
    section: str
    run: object = field(repr=False)


# -- training animations (Figure 1, Figures 15-21, Adam) ---------------------------------------

TRAINING = [
    ("fig01_sgd_lr1", "Figure 1", "SGD at its default learning rate of 1.0: the loss hovers near 1 "
     "and the regions flash, a sign the learning rate is too high.", "sgd", {}),
    ("fig15_sgd_lr0.85", "Figure 15", "SGD with the learning rate lowered to 0.85.", "sgd", {"lr": 0.85}),
    ("fig16_sgd_decay1e-2", "Figure 16", "SGD with learning-rate decay 1e-2: the rate decays too fast "
     "and the model stalls in a local minimum.", "sgd", {"decay": 1e-2}),
    ("fig17_sgd_decay1e-3", "Figure 17", "SGD with a gentler decay of 1e-3.", "sgd", {"decay": 1e-3}),
    ("fig18_sgd_decay1e-3_momentum0.5", "Figure 18", "SGD with decay 1e-3 and momentum 0.5.",
     "sgd", {"decay": 1e-3, "momentum": 0.5}),
    ("fig19_sgd_decay1e-3_momentum0.9", "Figure 19", "SGD with decay 1e-3 and momentum 0.9: the best "
     "SGD run of the chapter.", "sgd", {"decay": 1e-3, "momentum": 0.9}),
    ("fig20_adagrad_decay1e-4", "Figure 20", "AdaGrad with decay 1e-4: the loss falls steadily "
     "throughout.", "adagrad", {"decay": 1e-4}),
    ("fig21_rmsprop_default", "Figure 21", "RMSProp with its defaults (learning rate 0.001).", "rmsprop", {}),
    ("fig21_rmsprop_tuned", "Figure 21, tuned", "RMSProp tuned: learning rate 0.02, decay 1e-5, rho 0.999.",
     "rmsprop", {"lr": 0.02, "decay": 1e-5, "rho": 0.999}),
    ("adam_lr0.02_decay1e-5", "Adam", "Adam as the chapter's next section first runs it: learning rate "
     "0.02, decay 1e-5.", "adam", {"lr": 0.02, "decay": 1e-5}),
    ("adam_lr0.05_decay5e-7", "Adam, tuned", "Adam with learning rate 0.05 and decay 5e-7.",
     "adam", {"lr": 0.05, "decay": 5e-7}),
]

# Figure 14: the chapter's model with SGD and momentum 0.9 at four learning rates (chosen by
# running them: 30 throws the loss up to ~10, 3 stalls near 0.76, 0.01 barely moves, 1.0 reaches ~0.3).
LEARNING_RATES = [("far too high", 30.0), ("too high", 3.0), ("too low", 0.01), ("good", 1.0)]
LEARNING_RATE_MOMENTUM = 0.9


def _settings(optimizer, hyper):
    from animator.optimizers import describe

    return describe(optimizer, hyper)


def _training_job(stem, figure, caption, optimizer, hyper):
    def run(options, directory):
        from animator import RunConfig, train

        from renderers.render import render

        config = RunConfig(optimizer=optimizer, hyperparameters=dict(hyper), epochs=options.epochs,
                           frames=options.frames)
        recording = train(config)
        filename = f"{stem}.{options.format}"
        render(recording, os.path.join(directory, filename), size=options.size, fps=options.fps,
               hold=options.hold, theme=options.theme, workers=1)
        status = recording.status
        note = f" Diverged at epoch {status['diverged_at']}." if status["diverged_at"] is not None else ""
        final = (f" After {int(recording.epochs[-1]):,} epochs: accuracy {recording.accuracy[-1]:.3f}, "
                 f"loss {recording.loss[-1]:.3f}.")
        return [Output(filename, figure, caption + final + note, _settings(optimizer, hyper))]

    return Job(stem, "Training the chapter's model", run)


def _descent_job(preset_name):
    def run(options, directory):
        from animator.descent import PRESETS, run_preset
        from animator.functions import FUNCTIONS_1D

        from renderers.descent import DescentAnimation
        from renderers.render import write_animation

        preset = PRESETS[preset_name]
        trajectory = run_preset(preset_name)
        animation = DescentAnimation(trajectory, FUNCTIONS_1D[preset.function], size=options.size,
                                     caption=preset.caption, title=f"Figure {preset.figure}",
                                     max_frames=options.frames)
        stem = f"fig{preset.figure:02d}_{preset_name.replace('-', '_')}"
        settings = _settings(preset.optimizer, dict(preset.hyper))
        write_animation(animation, os.path.join(directory, f"{stem}.png"), kind="png", frame="last")
        write_animation(animation, os.path.join(directory, f"{stem}.{options.format}"), kind=options.format,
                        fps=options.fps, hold=options.hold, workers=1)
        label = f"Figure {preset.figure}"
        return [Output(f"{stem}.{options.format}", label, preset.caption, settings),
                Output(f"{stem}.png", label + " (last step)", preset.caption, settings)]

    return Job(f"descent {preset_name}", "The ball on a curve", run)


def _curve_job():
    def run(options, directory):
        from animator.descent import descend
        from animator.functions import CURVE
        from animator.optimizers import SGD

        from renderers.descent import DescentAnimation
        from renderers.render import write_animation

        trajectory = descend(CURVE, SGD(0.0), None, 0)
        caption = ("The function the ball descends: three local minima on the way from the start "
                   "(left) to the global minimum.")
        animation = DescentAnimation(trajectory, CURVE, size=options.size, caption=caption, title="Figure 2")
        write_animation(animation, os.path.join(directory, "fig02_curve.png"), kind="png", frame="last")
        return [Output("fig02_curve.png", "Figure 2", caption, "")]

    return Job("fig02 curve", "The ball on a curve", run)


def _learning_rates_job():
    def run(options, directory):
        from animator import RunConfig, train

        from renderers.figures import loss_curves_png

        epochs = max(options.epochs // 5, 10)
        recordings, labels = [], []
        for label, lr in LEARNING_RATES:
            recordings.append(train(RunConfig(hyperparameters={"lr": lr, "momentum": LEARNING_RATE_MOMENTUM},
                                              epochs=epochs, frames=1, grid_resolution=2)))
            labels.append(f"{label}: lr={lr}")
        loss_curves_png(recordings, labels, os.path.join(directory, "fig14_learning_rates.png"),
                        size=options.size, title="Loss against steps for four learning rates")
        caption = ("The chapter's model trained with SGD (momentum 0.9) at four learning rates, "
                   f"{epochs:,} epochs each: far too high, too high, too low and good.")
        return [Output("fig14_learning_rates.png", "Figure 14", caption,
                       f"SGD, momentum={LEARNING_RATE_MOMENTUM}: " + ", ".join(f"lr={lr}" for _, lr in LEARNING_RATES))]

    return Job("fig14 learning rates", "Learning rates", run)


def _race_job():
    def run(options, directory):
        from animator import RunConfig
        from animator.race import PRESETS, race

        from renderers.race import RaceAnimation
        from renderers.render import write_animation

        specs = PRESETS["chapter"]
        result = race(specs, RunConfig(epochs=options.epochs, frames=options.frames))
        filename = f"race_chapter.{options.format}"
        animation = RaceAnimation(result, size=options.size, theme=options.theme)
        write_animation(animation, os.path.join(directory, filename), kind=options.format, fps=options.fps,
                        hold=options.hold, workers=1)
        caption = ("All four optimizers with the chapter's tuned settings, from the same initial weights "
                   "on the same data, in lock-step.")
        return [Output(filename, "Optimizer race", caption, " | ".join(specs))]

    return Job("race chapter", "Optimizer races", run)


def _contour_job(name):
    def run(options, directory):
        from animator.descent import RACES, run_race
        from animator.functions import FUNCTIONS_2D

        from renderers.contour_race import ContourRace
        from renderers.render import write_animation

        race = RACES[name]
        trajectories = run_race(name)
        labels = list(trajectories)
        animation = ContourRace(list(trajectories.values()), FUNCTIONS_2D[race.function], size=options.size,
                                labels=labels, title=f"{race.function.capitalize()}: five optimizers, one start",
                                max_frames=options.frames, spacing="log" if race.steps > 1000 else "linear")
        filename = f"race2d_{name}.{options.format}"
        write_animation(animation, os.path.join(directory, filename), kind=options.format, fps=options.fps,
                        hold=options.hold, workers=1)
        settings = " | ".join(f"{e.label}: " + ", ".join(f"{k}={v}" for k, v in e.hyper.items())
                              for e in race.entrants)
        caption = f"Five optimizers race down the {race.function} function from the same start."
        return [Output(filename, f"2-D race: {race.function}", caption, settings)]

    return Job(f"race2d {name}", "Optimizer races", run)


def jobs():
    """Every job of the book, slowest first (so the pool finishes together)."""
    from animator.descent import PRESETS

    out = [_race_job(), _learning_rates_job()]
    out += [_training_job(*entry) for entry in TRAINING]
    out += [_contour_job(name) for name in ("rosenbrock", "beale", "saddle")]
    out += [_curve_job()] + [_descent_job(name) for name in PRESETS]
    return out


# -- running ---------------------------------------------------------------------------------------
_JOBS = None


def _init_worker():
    signal.signal(signal.SIGINT, signal.SIG_IGN)      # Ctrl-C is the parent's to handle
    # the parent stops the pool with SIGTERM: exit through Python, so half-written files are removed
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(1))


def _run_job(args):
    index, options, directory = args
    job = _JOBS[index]
    start = time.perf_counter()
    try:
        outputs = job.run(options, directory)
        return index, outputs, None, time.perf_counter() - start
    except UserError as error:
        return index, [], str(error), time.perf_counter() - start
    except Exception as error:  # a bug in one figure must not stop the others
        detail = traceback.format_exception_only(type(error), error)[-1].strip()
        return index, [], detail, time.perf_counter() - start


def make_book(directory, options=BookOptions(), *, workers=None, report=None):
    """Regenerate every figure into ``directory``; returns ``(outputs by job, failures)``.

    ``report(done, total, job_name, seconds, error)`` is called as each job ends.
    """
    global _JOBS
    if options.format not in FORMATS:
        raise UserError(f"--format must be one of {', '.join(FORMATS)} (got {options.format!r})")
    os.makedirs(directory, exist_ok=True)
    _JOBS = jobs()
    total = len(_JOBS)
    results = [None] * total
    failures = []
    workers = workers or min(os.cpu_count() or 1, 4)
    tasks = [(i, options, directory) for i in range(total)]

    def collect(item, done):
        index, outputs, error, seconds = item
        results[index] = outputs
        if error:
            failures.append((_JOBS[index].name, error))
        if report:
            report(done, total, _JOBS[index].name, seconds, error)

    if workers > 1 and "fork" in multiprocessing.get_all_start_methods():
        with multiprocessing.get_context("fork").Pool(workers, initializer=_init_worker,
                                                      maxtasksperchild=4) as pool:
            for done, item in enumerate(pool.imap_unordered(_run_job, tasks), 1):
                collect(item, done)
    else:
        for done, task in enumerate(tasks, 1):
            collect(_run_job(task), done)
    write_gallery(directory, [(job, results[i] or []) for i, job in enumerate(_JOBS)], failures)
    return results, failures


def write_gallery(directory, entries, failures):
    """``index.html``: every output with its figure, caption and hyper-parameters, by section."""
    from animator.fileio import atomic_output

    sections = {}
    for job, outputs in entries:
        sections.setdefault(job.section, []).extend(outputs)
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
            media = (f'<video src="{link}" controls loop muted playsinline></video>' if link.endswith(".mp4")
                     else f'<img src="{link}" alt="{html.escape(out.figure)}">')
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

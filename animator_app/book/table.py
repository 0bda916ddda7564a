"""The book's job table: each figure of the chapter as a job, and the files each job writes.

A job is declared from the chapter's table (:mod:`animator.chapter`) and a
scene (:mod:`animator_app.scenes`); its ``run(options, directory)`` computes
the figure (its runs through :mod:`.runs`) and returns the gallery's entries.
"""

import os
import re
from dataclasses import dataclass, field, replace

from animator.chapter import (BOOK_RACES_2D, DESCENTS, LEARNING_RATES, NETWORK_RACE_CAPTIONS, NETWORK_RACES,
                              RACES_2D, TRAINING_FIGURES)
from animator.cache import config_check
from animator.run import RunConfig, train
from renderers.figures import loss_curves_png
from renderers.layout import describe
from renderers.render import run_metadata, write_animation
from renderers.writers import add_png_metadata, poster_path

from ..scenes import ContourRaceScene, DescentScene, LandscapeScene, NetworkRaceScene, TrainingScene
from .options import STILL, animation_name, still_name
from .runs import race as _race, runs as _runs

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
    place: tuple = ()             # where it stands in the chapter: (0, figure number), or (1, n) after it


def chapter_order(jobs):
    """``jobs`` as the chapter shows them: Figures 1-21 and Adam, then the races (the table runs slowest first)."""
    return [job for _, job in sorted(enumerate(jobs), key=lambda item: (item[1].place, item[0]))]


def _figure_number(figure):
    """21 from ``"Figure 21, tuned"``; the Adam section, which follows Figure 21, has none and stands after it."""
    found = re.match(r"Figure (\d+)", figure)
    return int(found.group(1)) if found else 22


def gallery_names(job, options):
    """The files of ``job`` the gallery shows, in order, from the job table alone (never from a record)."""
    return [animation_name(stem, options) for stem in job.animations] + list(job.stills)


def written_names(job, options):
    """Every file ``job`` writes: what the gallery shows and, with ``--poster``, each animation's poster."""
    posters = [os.path.basename(poster_path(animation_name(stem, options))) for stem in job.animations]
    return gallery_names(job, options) + (posters if options.poster is not None else [])


def _animate(animation, directory, stem, options, metadata):
    """Write one animation of the book; returns its file name and what its budget reduced (or None)."""
    filename = animation_name(stem, options)
    written = write_animation(animation, os.path.join(directory, filename), kind=options.format, fps=options.fps,
                              hold=options.hold, workers=1, max_bytes=options.max_bytes, poster=options.poster,
                              metadata=metadata, loop=options.loop)
    return filename, written.fit


# -- the jobs, from the chapter's table ---------------------------------------------------------

def _training_job(figure):
    def run(options, directory):
        scene = TrainingScene(RunConfig(optimizer=figure.optimizer.name,
                                        hyperparameters=dict(figure.optimizer.hyperparameters),
                                        epochs=options.epochs, frames=options.frames))
        recording, = _runs(("training", scene.config), lambda: [scene.compute()], config_check(scene.config))
        filename, fit = _animate(scene.animation(recording, size=options.size, theme=options.theme,
                                                 caption=f"{figure.figure} · {figure.caption}"), directory,
                                 figure.name, options, scene.metadata(recording, options.command))
        return [Output(filename, figure.figure, f"{figure.caption} {scene.summary(recording)}",
                       describe(figure.optimizer), fit)]

    return Job(figure.name, "Training the chapter's model", run, figure, figure.name, animations=(figure.name,),
               place=(0, _figure_number(figure.figure)))


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
               animations=() if scene.curve_only else (scene.file_stem,), stills=(still_name(scene.file_stem),),
               place=(0, _figure_number(scene.title)))


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
               stills=("fig14_learning_rates.png",), place=(0, _figure_number(LEARNING_RATES.figure)))


def _race_job():
    def run(options, directory):
        scene = NetworkRaceScene.preset("chapter", RunConfig(epochs=options.epochs, frames=options.frames))
        result = _race(scene)
        caption = NETWORK_RACE_CAPTIONS["chapter"]
        filename, fit = _animate(scene.animation(result, size=options.size, theme=options.theme,
                                                 caption=f"Optimizer race · {caption}"), directory,
                                 "race_chapter", options, scene.metadata(result, options.command))
        return [Output(filename, "Optimizer race", caption, " | ".join(describe(s) for s in scene.specs), fit)]

    return Job("race chapter", "Optimizer races", run, NETWORK_RACES["chapter"], "race_chapter",
               animations=("race_chapter",), place=(1, 0))


def _landscape_job():
    def run(options, directory):
        from animator.landscape import landscape_of, path_config
        from animator.race import race

        scene = LandscapeScene.preset("chapter", RunConfig(epochs=options.epochs, frames=options.frames))
        dense = path_config(scene.config, scene.path_points)
        configs = [replace(dense, optimizer=s.name, hyperparameters=dict(s.hyperparameters)) for s in scene.specs]
        recordings = _runs(("landscape", dense, scene.specs), lambda: race(list(scene.specs), dense).recordings,
                           config_check(*configs))
        result = landscape_of(recordings, frames=options.frames, resolution=scene.resolution, workers=1,
                              config=scene.config)
        filename, fit = _animate(scene.animation(result, size=options.size, theme=options.theme), directory,
                                 "landscape_chapter", options, scene.metadata(result, options.command))
        caption = ("The chapter's four tuned optimizers from the same initial weights, on the network's own loss "
                   "landscape: the plane of their paths' two principal directions, its loss computed with "
                   f"training's arithmetic. The plane explains {result.plane.explained_share:.1%} of the paths' "
                   "variance; each ball is its run's weights projected onto it, and the legend says how far off.")
        return [Output(filename, "Loss landscape", caption, " | ".join(describe(s) for s in scene.specs), fit)]

    definition = ("landscape", NETWORK_RACES["chapter"], LandscapeScene.resolution, LandscapeScene.path_points)
    return Job("landscape chapter", "Optimizer races", run, definition,
               "landscape_chapter", animations=("landscape_chapter",), place=(1, 1 + len(BOOK_RACES_2D)))


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
        caption = scene.race.caption
        return [Output(filename, f"2-D race: {scene.race.function}", caption, settings, fit)]

    return Job(f"race2d {name}", "Optimizer races", run, RACES_2D[name], f"race2d_{name}",
               animations=(f"race2d_{name}",), place=(1, 1 + BOOK_RACES_2D.index(name)))


def jobs():
    """Every job of the book, slowest first (so the pool finishes together)."""
    out = [_race_job(), _landscape_job(), _learning_rates_job()]
    out += [_training_job(figure) for figure in TRAINING_FIGURES]
    out += [_contour_job(name) for name in BOOK_RACES_2D]
    out += [_descent_job(DescentScene.curve())] + [_descent_job(DescentScene(preset=name)) for name in DESCENTS]
    return out

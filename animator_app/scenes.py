"""The four subjects the tool animates, each declared once: what to compute, which layout draws it, its words.

A scene is used by both the command line and ``animator book``:

* :class:`TrainingScene`: one run of the chapter's model (Figure 1, Figures 15-21, Adam);
* :class:`NetworkRaceScene`: optimizers racing on the chapter's model (``compare``);
* :class:`DescentScene`: the ball on the chapter's curve (Figures 2-13);
* :class:`ContourRaceScene`: five optimizers down a 2-D test function (``race2d``);
* :class:`SweepScene`: a grid of runs of one optimizer, as a map, small multiples or a page (``sweep``);
* :class:`LandscapeScene`: a race's paths on the network's own loss landscape, a plane or a line (``landscape``).

Each has ``layout`` (the layout class, so the frame size is checked before
any work), ``compute(...)`` (the engine's part) and ``animation(result, ...)``
(the renderer's part), plus the titles and captions its pictures carry, and
``metadata(result, command)``: the description written into every file made
of it (its kind, one-line caption and settings, see
:func:`renderers.render.run_metadata`).
"""

from dataclasses import asdict, dataclass, field
from typing import Optional

from animator.chapter import CURVE_FIGURE, DESCENTS, NETWORK_RACES, RACES_2D
from animator.descent import descend, run_preset, run_race
from animator.functions import CURVE, FUNCTIONS_2D
from animator.landscape import PATH_POINTS, RESOLUTION as LANDSCAPE_RESOLUTION, landscape
from animator.optimizers import DEFAULT as DEFAULT_OPTIMIZER, OptimizerSpec
from animator.race import race
from animator.run import RunConfig, train
from animator.sweep import run_sweep
import renderers
from renderers.layout import describe
from renderers.render import run_metadata, training_metadata
from renderers.training import TrainingAnimation
from renderers.writers import writer_named

LOG_SPACING_ABOVE = 1000   # a 2-D race of more steps than this gets log-spaced frames


class _Layout:
    """A scene's ``layout`` class attribute, one of :mod:`renderers`' names, imported when read (the package
    gives them lazily): all but the training layout import matplotlib, which ``animator train -o run.npz`` (or
    no -o) never needs."""

    def __init__(self, name):
        self.name = name

    def __get__(self, scene, owner):
        return getattr(renderers, self.name)


@dataclass(frozen=True)
class TrainingScene:
    """One training run of the chapter's model, drawn as regions, weight bars and curves."""

    config: RunConfig = RunConfig()
    layout = TrainingAnimation

    def compute(self, *, on_epoch=None):
        return train(self.config, on_epoch=on_epoch)

    def animation(self, recording, *, size, theme="default", shade=False, caption=None, show=()):
        return TrainingAnimation(recording, size=size, theme=theme, shade=shade, caption=caption,
                                 step_sizes="step-sizes" in (show or ()))

    @staticmethod
    def metadata(recording, command=None):
        """Kind ``training``; the optimizer's line as the caption; the Recording's spec."""
        return training_metadata(recording, command)

    @staticmethod
    def summary(recording):
        """``After 10,000 epochs: accuracy 0.937, loss 0.165.`` and, if so, where it diverged."""
        text = (f"After {int(recording.epochs[-1]):,} epochs: accuracy {recording.accuracy[-1]:.3f}, "
                f"loss {recording.loss[-1]:.3f}.")
        if recording.diverged_at is not None:
            text += f" Diverged at epoch {recording.diverged_at}."
        return text


@dataclass(frozen=True)
class NetworkRaceScene:
    """Several optimizers trained from the same weights on the same data, drawn side by side."""

    specs: tuple
    config: RunConfig = RunConfig()
    layout = _Layout("RaceAnimation")

    @classmethod
    def preset(cls, name, config=RunConfig()):
        return cls(tuple(NETWORK_RACES[name]), config)

    def compute(self, *, workers=1, on_progress=None):
        return race(list(self.specs), self.config, workers=workers, on_progress=on_progress)

    def animation(self, result, *, size, theme="default", caption=None):
        return self.layout(result, size=size, theme=theme, caption=caption)

    def metadata(self, result, command=None):
        """Kind ``race``; each entrant's line, ``|`` between them; the shared settings and the entrants."""
        config = {key: value for key, value in asdict(self.config).items()
                  if key not in ("optimizer", "hyperparameters")}
        entrants = [{"name": spec.name, "hyperparameters": dict(spec.hyperparameters)} for spec in result.specs]
        return run_metadata("race", " | ".join(describe(spec) for spec in result.specs),
                            {"config": config, "entrants": entrants}, command)

    @staticmethod
    def ending(recording):
        """How one entrant ended, for a line of output."""
        if recording.diverged_at is not None:
            return f"diverged at epoch {recording.diverged_at}"
        return f"acc {recording.accuracy[-1]:.3f}, loss {recording.loss[-1]:.3f}"


@dataclass(frozen=True)
class DescentScene:
    """The ball on the chapter's curve: a preset of Figures 3-13, or any optimizer's descent.

    ``preset`` names an entry of :data:`animator.chapter.DESCENTS`; ``overrides``
    change its steps, start or hyper-parameters.  Without a preset, ``optimizer``
    descends for ``steps`` (default 200) from ``start``.
    """

    preset: Optional[str] = None
    optimizer: Optional[OptimizerSpec] = None
    steps: Optional[int] = None
    start: Optional[float] = None
    overrides: dict = field(default_factory=dict, hash=False)
    curve_only: bool = False      # Figure 2: the curve alone, no steps
    layout = _Layout("DescentAnimation")
    DEFAULT_STEPS = 200

    @classmethod
    def curve(cls):
        """Figure 2: the curve alone (a descent of no steps)."""
        return cls(optimizer=OptimizerSpec(DEFAULT_OPTIMIZER, {"lr": 0.0}), steps=0, curve_only=True)

    @property
    def title(self):
        if self.preset is not None:
            return f"Figure {DESCENTS[self.preset].figure}"
        return CURVE_FIGURE[0] if self.curve_only else None

    @property
    def caption(self):
        if self.preset is not None:
            return DESCENTS[self.preset].caption
        return CURVE_FIGURE[1] if self.curve_only else None

    @property
    def file_stem(self):
        if self.preset is not None:
            return f"fig{DESCENTS[self.preset].figure:02d}_{self.preset.replace('-', '_')}"
        return "fig02_curve" if self.curve_only else "descent"

    def compute(self):
        if self.preset is not None:
            extra = {k: v for k, v in (("steps", self.steps), ("start", self.start)) if v is not None}
            return run_preset(self.preset, **self.overrides, **extra)
        steps = self.DEFAULT_STEPS if self.steps is None else self.steps
        return descend(CURVE, self.optimizer or OptimizerSpec(DEFAULT_OPTIMIZER), self.start, steps)

    def animation(self, trajectory, *, size, max_frames=200, theme="default"):
        return self.layout(trajectory, CURVE, size=size, caption=self.caption, title=self.title,
                                max_frames=max_frames, theme=theme)

    def metadata(self, trajectory, command=None):
        """Kind ``descent``; the optimizer's line (after the figure, for a preset); the descent's settings."""
        line = describe(trajectory.optimizer)
        spec = {"function": trajectory.function, "preset": self.preset,
                "figure": DESCENTS[self.preset].figure if self.preset is not None else None,
                "optimizer": {"name": trajectory.optimizer.name,
                              "hyperparameters": dict(trajectory.optimizer.hyperparameters)},
                "start": float(trajectory.positions[0, 0]), "steps": trajectory.steps,
                "diverged_at": trajectory.diverged_at}
        caption = line if self.title is None or self.curve_only else f"{self.title} · {line}"
        return run_metadata("descent", self.title if self.curve_only else caption, spec, command)


@dataclass(frozen=True)
class ContourRaceScene:
    """Five optimizers with tuned settings from one start down a 2-D function (:data:`RACES_2D`)."""

    name: str
    steps: Optional[int] = None
    start: Optional[tuple] = None
    spacing: Optional[str] = None    # None: log for races over LOG_SPACING_ABOVE steps
    layout = _Layout("ContourRace")

    @property
    def race(self):
        return RACES_2D[self.name]

    @property
    def frame_spacing(self):
        steps = self.steps or self.race.steps
        return self.spacing or ("log" if steps > LOG_SPACING_ABOVE else "linear")

    def compute(self):
        return run_race(self.name, steps=self.steps, start=self.start)

    def animation(self, trajectories, *, size, max_frames=200, theme="default"):
        return self.layout(list(trajectories.values()), FUNCTIONS_2D[self.race.function], size=size,
                           labels=list(trajectories), title=self.race.title, max_frames=max_frames,
                           spacing=self.frame_spacing, theme=theme)

    def metadata(self, trajectories, command=None):
        """Kind ``race2d``; the race's title; the function, start, steps, spacing and each entrant."""
        first = next(iter(trajectories.values()))
        entrants = [{"label": label, "name": t.optimizer.name, "hyperparameters": dict(t.optimizer.hyperparameters),
                     "diverged_at": t.diverged_at} for label, t in trajectories.items()]
        spec = {"function": self.race.function, "start": [float(v) for v in first.positions[0]],
                "steps": self.steps or self.race.steps, "frame_spacing": self.frame_spacing, "entrants": entrants}
        return run_metadata("race2d", self.race.title, spec, command)

    @staticmethod
    def ending(trajectory):
        if trajectory.diverged_at is not None:
            return f"diverged at step {trajectory.diverged_at}"
        x, y = trajectory.positions[-1]
        return f"f = {trajectory.values[-1]:.3g} at ({x:.4g}, {y:.4g})"



@dataclass(frozen=True)
class SweepScene:
    """Every run of a :class:`~animator.sweep.Sweep`; its picture depends on what the output's format is.

    A still (``.png``): the map of final loss and accuracy; an animation
    (``.gif``, ``.mp4``, ``.webp``, frames): the small multiples; a player page
    (``.html``): the page with a slider per grid.
    """

    sweep: object

    @staticmethod
    def is_page(kind):
        """True if an output of ``kind`` is a player page, which the sweep writes itself (:meth:`write_page`)."""
        return writer_named(kind).PLAYER

    @classmethod
    def layout_for(cls, kind):
        writer = writer_named(kind)
        return renderers.SweepMap if writer.STILL else renderers.SweepPage if writer.PLAYER else renderers.SweepGrid

    def compute(self, **options):
        return run_sweep(self.sweep, **options)

    def animation(self, result, kind, *, size, theme="default"):
        """The frame source drawing ``result`` for an output of ``kind`` (not a page: see :meth:`write_page`)."""
        return self.layout_for(kind)(result, size=size, theme=theme)

    def metadata(self, command=None):
        """Kind ``sweep``: the optimizer, its grids and fixed settings as the caption; the whole sweep as the spec."""
        sweep = self.sweep
        grids = " × ".join(f"{axis.name} {','.join(f'{v:g}' for v in axis.values)}" for axis in sweep.axes)
        fixed = "".join(f" · {k}={v!r}" for k, v in sweep.optimizer.hyperparameters.items())
        spec = {"optimizer": sweep.optimizer.as_dict(),
                "grids": [{"name": axis.name, "values": [float(v) for v in axis.values]} for axis in sweep.axes],
                "config": asdict(sweep.config)}
        return run_metadata("sweep", f"{sweep.optimizer.title} sweep · {grids}{fixed}", spec, command)

    @staticmethod
    def write_page(result, path, **options):
        return renderers.write_player(result, path, **options)


@dataclass(frozen=True)
class LandscapeScene:
    """Optimizers raced from the same weights, their paths drawn on the network's own loss landscape.

    ``slice`` is ``plane`` (``directions`` ``pca`` through ``centre``, or
    ``random`` filter-normalized ones drawn with ``seed``) or ``line`` (from the
    initial weights through each run's final weights); see :mod:`animator.landscape`.
    """

    specs: tuple
    config: RunConfig = RunConfig()
    slice: str = "plane"
    directions: str = "pca"
    centre: Optional[str] = None
    seed: int = 0
    resolution: int = LANDSCAPE_RESOLUTION
    path_points: int = PATH_POINTS
    layout = _Layout("LandscapePlane")   # the plane's and the line's layouts take the same frame sizes

    @classmethod
    def preset(cls, name, config=RunConfig(), **options):
        return cls(tuple(NETWORK_RACES[name]), config, **options)

    def compute(self, *, workers=None, on_progress=None, on_grid=None):
        return landscape(list(self.specs), self.config, slice=self.slice, directions=self.directions,
                         centre=self.centre, seed=self.seed, resolution=self.resolution,
                         path_points=self.path_points, workers=workers,
                         on_progress=on_progress, on_grid=on_grid)

    def animation(self, result, *, size, theme="default"):
        return renderers.landscape_animation(result, size=size, theme=theme)

    def metadata(self, result, command=None):
        """Kind ``landscape``; the slice and each entrant as the caption; the settings, the view and its honesty."""
        config = {key: value for key, value in asdict(self.config).items()
                  if key not in ("optimizer", "hyperparameters")}
        entrants = [{"name": spec.name, "hyperparameters": dict(spec.hyperparameters)} for spec in result.specs]
        view = {"slice": self.slice, "resolution": self.resolution, "path_points": self.path_points}
        if result.plane is not None:
            view.update(directions=result.plane.kind, centre=result.plane.centre,
                        seed=result.plane.seed, explained=result.plane.explained)
        what = ("line from the initial weights" if result.line is not None
                else f"{result.plane.kind.upper() if result.plane.kind == 'pca' else 'random'} plane")
        return run_metadata("landscape", f"Loss landscape ({what}) · " + " | ".join(describe(s) for s in result.specs),
                            {"config": config, "entrants": entrants, "view": view}, command)

    @staticmethod
    def ending(result, k):
        """How entrant ``k`` ended and how far its last point is from the plane or line, for a line of output."""
        recording = result.recordings[k]
        end = (f"diverged at epoch {recording.diverged_at}" if recording.diverged_at is not None
               else f"acc {recording.accuracy[-1]:.3f}, loss {recording.loss[-1]:.3f}")
        return f"{end}; {float(result.offsets[k][-1]):.3g} off the {result.slice}"

"""The chapter's settings, declared once: every figure, preset, race and reference configuration.

The command line, ``animator book``, the README figures and the tests all
iterate over these tables; nothing else repeats a setting of the chapter.

* :data:`TRAINING_FIGURES`: the training runs of Figure 1, Figures 15-21 and the Adam section;
* :data:`LEARNING_RATES`: Figure 14, loss against steps for four learning rates;
* :data:`NETWORK_RACES`: ``animator compare --preset NAME``, optimizers racing on the network;
* :data:`DESCENTS`: the "ball on a curve" stories of Figures 3-13 on :data:`animator.functions.CURVE`;
* :data:`RACES_2D`: five optimizers with tuned settings racing down each 2-D test function;
* :data:`REFERENCE_CONFIGS`: the runs the tests compare with the book's own code, line for line.

Descents (all SGD from x = -3.8), measured with ``steps_to_reach(t, CURVE.minima[0], tol=0.05)``:

=====================  ====  ======  ========  =========================  ==========
preset                 fig   lr      momentum  outcome                    reach band
=====================  ====  ======  ========  =========================  ==========
stuck-first-minimum     3    0.02    -         settles in minimum 0       -
stuck-second-minimum    4    0.12    -         settles in minimum 1       -
stuck-third-minimum     5    0.38    -         settles in minimum 2       -
momentum-slow           6    0.0052  0.95      settles in the global (3)  150-260
momentum-better         7    0.02    0.93      settles in the global (3)  80-140
momentum-fast           8    0.09    0.85      settles in the global (3)  38-70
too-large               9    2.0     -         oscillates around 3        -
far-too-large          10    3.45    -         wanders between basins     -
explosion              11    12.0    -         diverges (overflow)        -
good                   12    0.3     0.7       settles in the global (3)  15-35
efficient              13    1.4     0.3       settles in the global (3)  1-13
=====================  ====  ======  ========  =========================  ==========

Plain SGD (no momentum) rests in minimum 0 for lr below about 0.04, in 1 for
0.085-0.165, in 2 for 0.31-0.47 and in the global minimum for 0.75-1.27; it
hops around the global minimum for 1.3-2.7, wanders for about 3-3.7 and
overflows beyond about 5.  Each preset sits well inside its band.
"""

from dataclasses import dataclass
from typing import Optional

from .optimizers import OptimizerSpec


def _spec(name, **hyper):
    return OptimizerSpec(name, hyper)


# -- training the chapter's model -------------------------------------------------------------

@dataclass(frozen=True)
class TrainingFigure:
    """One training animation of the chapter: a stable file stem, the figure, a caption, the optimizer."""

    name: str
    figure: str
    caption: str
    optimizer: OptimizerSpec


TRAINING_FIGURES = (
    TrainingFigure("fig01_sgd_lr1", "Figure 1", "SGD at its default learning rate of 1.0: the loss hovers near 1 "
                   "and the regions flash, a sign the learning rate is too high.", _spec("sgd")),
    TrainingFigure("fig15_sgd_lr0.85", "Figure 15", "SGD with the learning rate lowered to 0.85.",
                   _spec("sgd", lr=0.85)),
    TrainingFigure("fig16_sgd_decay1e-2", "Figure 16", "SGD with learning-rate decay 1e-2: the rate decays too "
                   "fast and the model stalls in a local minimum.", _spec("sgd", decay=1e-2)),
    TrainingFigure("fig17_sgd_decay1e-3", "Figure 17", "SGD with a gentler decay of 1e-3.",
                   _spec("sgd", decay=1e-3)),
    TrainingFigure("fig18_sgd_decay1e-3_momentum0.5", "Figure 18", "SGD with decay 1e-3 and momentum 0.5.",
                   _spec("sgd", decay=1e-3, momentum=0.5)),
    TrainingFigure("fig19_sgd_decay1e-3_momentum0.9", "Figure 19", "SGD with decay 1e-3 and momentum 0.9: the "
                   "best SGD run of the chapter.", _spec("sgd", decay=1e-3, momentum=0.9)),
    TrainingFigure("fig20_adagrad_decay1e-4", "Figure 20", "AdaGrad with decay 1e-4: the loss falls steadily "
                   "throughout.", _spec("adagrad", decay=1e-4)),
    TrainingFigure("fig21_rmsprop_default", "Figure 21", "RMSProp with its defaults (learning rate 0.001).",
                   _spec("rmsprop")),
    TrainingFigure("fig21_rmsprop_tuned", "Figure 21, tuned", "RMSProp tuned: learning rate 0.02, decay 1e-5, "
                   "rho 0.999.", _spec("rmsprop", lr=0.02, decay=1e-5, rho=0.999)),
    TrainingFigure("adam_lr0.02_decay1e-5", "Adam", "Adam as the chapter's next section first runs it: "
                   "learning rate 0.02, decay 1e-5.", _spec("adam", lr=0.02, decay=1e-5)),
    TrainingFigure("adam_lr0.05_decay5e-7", "Adam, tuned", "Adam with learning rate 0.05 and decay 5e-7.",
                   _spec("adam", lr=0.05, decay=5e-7)),
)
TRAINING = {figure.name: figure for figure in TRAINING_FIGURES}


@dataclass(frozen=True)
class LearningRateFigure:
    """Figure 14: the chapter's model with SGD and momentum at several learning rates."""

    figure: str
    momentum: float
    rates: tuple          # (what it shows, learning rate)
    epochs_share: int     # each run trains for the book's epochs // epochs_share (at least 10)

    def optimizers(self):
        return [(label, _spec("sgd", lr=lr, momentum=self.momentum)) for label, lr in self.rates]


# Chosen by running them: 30 throws the loss up to ~10, 3 stalls near 0.76, 0.01 barely moves,
# 1.0 reaches ~0.3.
LEARNING_RATES = LearningRateFigure("Figure 14", 0.9, (("far too high", 30.0), ("too high", 3.0),
                                                       ("too low", 0.01), ("good", 1.0)), 5)


# What each network race shows, in the gallery and a deck's notes.
NETWORK_RACE_CAPTIONS = {
    "chapter": "All four optimizers with the chapter's tuned settings, from the same initial weights on the same "
               "data, in lock-step.",
}
# The chapter's tuned settings (Figures 19-21 and the Adam section that follows them).
NETWORK_RACES = {
    "chapter": (_spec("sgd", lr=1, decay=1e-3, momentum=0.9), _spec("adagrad", decay=1e-4),
                _spec("rmsprop", lr=0.02, decay=1e-5, rho=0.999), _spec("adam", lr=0.05, decay=5e-7)),
}


# -- the ball on a curve -----------------------------------------------------------------------

@dataclass(frozen=True)
class Descent:
    """One of the chapter's 1-D descents and what it must show.

    ``behaviour``/``basin`` are the expected :func:`animator.descent.outcome`;
    ``reach`` is the band (inclusive) that ``steps_to_reach`` of the global
    minimum falls in, when the story is about reaching it.
    """

    name: str
    figure: int
    caption: str
    optimizer: OptimizerSpec
    steps: int
    behaviour: str
    basin: Optional[int] = None
    reach: Optional[tuple] = None
    function: str = "curve"
    start: Optional[float] = None

    @property
    def hyper(self):
        return self.optimizer.hyperparameters

    def __repr__(self):
        return f"Descent({self.name!r}, fig {self.figure}, {self.optimizer})"


def _by_name(*items):
    return {item.name: item for item in items}


DESCENTS = _by_name(
    Descent("stuck-first-minimum", 3,
            "Small steps: the ball rolls into the first dip it meets and stays there.",
            _spec("sgd", lr=0.02), 100, "settles", basin=0),
    Descent("stuck-second-minimum", 4,
            "A larger learning rate shakes the ball out of the first, narrow dip; it rests in the second.",
            _spec("sgd", lr=0.12), 100, "settles", basin=1),
    Descent("stuck-third-minimum", 5,
            "Larger still: past two dips, stuck in the third, right next to the global minimum.",
            _spec("sgd", lr=0.38), 100, "settles", basin=2),
    Descent("momentum-slow", 6,
            "A tiny learning rate with strong momentum rolls over every hump to the global "
            "minimum, but needs about 200 steps (150-260) to settle there.",
            _spec("sgd", lr=0.0052, momentum=0.95), 400, "settles", basin=3, reach=(150, 260)),
    Descent("momentum-better", 7,
            "A larger learning rate and a little less momentum: the global minimum in about "
            "100 steps (80-140).",
            _spec("sgd", lr=0.02, momentum=0.93), 300, "settles", basin=3, reach=(80, 140)),
    Descent("momentum-fast", 8,
            "Larger again, with less momentum: the global minimum in about 50 steps (38-70).",
            _spec("sgd", lr=0.09, momentum=0.85), 150, "settles", basin=3, reach=(38, 70)),
    Descent("too-large", 9,
            "The learning rate is too big for the global valley: the ball reaches it but jumps "
            "from side to side around the minimum for ever.",
            _spec("sgd", lr=2.0), 100, "oscillates", basin=3),
    Descent("far-too-large", 10,
            "Far too big: every step overshoots and the ball hops between valleys with no pattern.",
            _spec("sgd", lr=3.45), 150, "wanders"),
    Descent("explosion", 11,
            "Critically too big: each step lands higher up the wall than the last, the value and "
            "the gradient grow without bound and the run overflows.",
            _spec("sgd", lr=12.0), 50, "diverges"),
    Descent("good", 12,
            "Well-chosen learning rate and momentum: the global minimum in about 25 steps (15-35).",
            _spec("sgd", lr=0.3, momentum=0.7), 100, "settles", basin=3, reach=(15, 35)),
    Descent("efficient", 13,
            "Big steps with a touch of momentum: the ball clears every hump and settles in "
            "about ten steps (1-13).",
            _spec("sgd", lr=1.4, momentum=0.3), 40, "settles", basin=3, reach=(1, 13)),
)

CURVE_FIGURE = ("Figure 2", "The function the ball descends: three local minima on the way from the start "
                            "(left) to the global minimum.")


# -- 2-D races ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Entrant:
    """One optimizer in a 2-D race: a label for the legend and its settings."""

    label: str
    optimizer: OptimizerSpec


@dataclass(frozen=True)
class Race2D:
    """Five optimizers on one 2-D function from one start, each with tuned settings.

    Every entrant ends within ``tol`` of a global minimum after ``steps`` updates.
    """

    function: str
    steps: int
    entrants: tuple
    tol: float = 1e-2
    start: Optional[tuple] = None

    @property
    def title(self):
        return f"{self.function.capitalize()}: five optimizers, one start"

    @property
    def caption(self):
        """What the figure shows, in the gallery and a deck's notes."""
        return f"Five optimizers with tuned settings race down the {self.function} function from the same start."


def _race(function, steps, sgd, momentum, adagrad, rmsprop, adam, **options):
    specs = (_spec("sgd", **sgd), _spec("sgd", **momentum), _spec("adagrad", **adagrad), _spec("rmsprop", **rmsprop),
             _spec("adam", **adam))
    # each named as its identity: "SGD with momentum" is the momentum variant's name wherever it is drawn
    return Race2D(function, steps, tuple(Entrant(spec.identity.name, spec) for spec in specs), **options)


# Tuned by hand; the comments give the measured step at which each entrant is
# first within 1e-2 of the minimum, in the order SGD, momentum, AdaGrad, RMSProp, Adam.
RACES_2D = {
    # 25, 16, 47, 69, 99; the steep axis (b = 4) caps plain SGD at lr < 0.25.
    "parabola": _race("parabola", 300, {"lr": 0.1}, {"lr": 0.05, "momentum": 0.5}, {"lr": 0.5},
                      {"lr": 0.1, "decay": 0.05}, {"lr": 0.1}),
    # about 5900, 1000, 4500, 4100, 2500: the valley floor is 2500 times flatter than its
    # walls, so a stable plain SGD crawls; this is the slowest race by far.
    "rosenbrock": _race("rosenbrock", 8000, {"lr": 0.0019}, {"lr": 0.001, "momentum": 0.9},
                        {"lr": 1.5}, {"lr": 0.01, "decay": 1e-3}, {"lr": 0.02}),
    # about 1200, 1170, 540, 450, 830.
    "beale": _race("beale", 2000, {"lr": 0.01}, {"lr": 0.001, "momentum": 0.9}, {"lr": 1.0},
                   {"lr": 0.01, "decay": 1e-3}, {"lr": 0.05}),
    # 178, 89, 31, 70, 102.  Escaping the saddle: plain SGD leaves at the pace of the
    # tiny sideways slope; AdaGrad and RMSProp rescale it and leave first.
    "saddle": _race("saddle", 400, {"lr": 0.02}, {"lr": 0.02, "momentum": 0.9}, {"lr": 0.5},
                    {"lr": 0.05, "decay": 0.01}, {"lr": 0.05}),
}
BOOK_RACES_2D = ("rosenbrock", "beale", "saddle")   # the ones `animator book` draws


# -- the book's own code, run by the tests ---------------------------------------------------------

# Each runs tests/book_loop.py (the chapter's code under nnfs.init()) and our Trainer, and
# compares every printed line and the final weights.  Keys: optimizer, its hyper-parameters,
# and optionally hidden (layer sizes) and dataset.
REFERENCE_CONFIGS = (
    {"optimizer": "sgd"},
    {"optimizer": "sgd", "lr": 0.85},
    {"optimizer": "sgd", "decay": 1e-3, "momentum": 0.9},
    {"optimizer": "sgd", "decay": 1e-3, "momentum": 0.5, "hidden": [16, 8]},
    {"optimizer": "adagrad", "decay": 1e-4},
    {"optimizer": "rmsprop"},
    {"optimizer": "rmsprop", "lr": 0.02, "decay": 1e-5, "rho": 0.999},
    {"optimizer": "adam", "lr": 0.05, "decay": 5e-7},
    {"optimizer": "adam", "lr": 0.02, "decay": 1e-5, "beta1": 0.8, "epsilon": 1e-5},
    {"optimizer": "sgd", "dataset": "vertical"},
)
# The run whose printed log is shared/reference/ch10_sgd_decay1e-2.log on every machine.
REFERENCE_LOG_RUN = TRAINING["fig16_sgd_decay1e-2"]

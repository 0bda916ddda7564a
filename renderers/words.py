"""The words and number formats that frames and pages show, each written once.

Layouts and pages receive values (a Recording's spec, a sweep's result) and
turn them into text here, at the edge where text is shown: the data caption
line (``spiral · 300 points · 3 classes · Dense(2, 64) → Dense(64, 3) · book
mode``), how a loss, an accuracy or a learning rate is printed, and the
sweep's headline and footnote.  A wording changed here changes every picture
that shows it.

>>> data_captions("spiral", 300, 3, "2→64→3", seed=None)[0]
'spiral · 300 points · 3 classes · 2→64→3 · book mode'
"""

from animator.optimizers import OptimizerSpec


# -- numbers --------------------------------------------------------------------------------------

def count_text(n):
    """A count or an epoch with thousands grouped: ``10,000``."""
    return f"{int(n):,}"


def value_text(value):
    """A setting as labels show it: ``0.001``, ``1``, ``1e+30``."""
    return f"{value:g}"


def accuracy_text(value, digits=3):
    """``0.873``: an accuracy (a share, never a percentage)."""
    return f"{value:.{digits}f}"


def loss_text(value):
    """``0.345``: a loss, three decimals whatever its size (the captions' columns stay put)."""
    return f"{value:.3f}"


def short_loss_text(value):
    """A loss in few characters: three decimals under 10, three significant digits above (``1.2e+03``)."""
    return f"{value:.3f}" if abs(value) < 10 else f"{value:.3g}"


def rate_text(value):
    """``0.447``: a learning rate, four significant digits."""
    return f"{value:.4g}"


def plural(n, word):
    """``1 epoch``, ``10,000 epochs``."""
    return f"{count_text(n)} {word}{'' if n == 1 else 's'}"


# -- an optimizer ---------------------------------------------------------------------------------

def optimizer_text(optimizer):
    """``("SGD", ["lr=1.0", "decay=0.001", "momentum=0.9"])``: an optimizer's title and the settings a caption shows.

    ``optimizer`` is an :class:`animator.optimizers.OptimizerSpec`, an optimizer,
    or a Recording spec's ``{"name": ..., "hyperparameters": ...}``.  Shown are the
    learning rate and every hyper-parameter not at its default.
    """
    spec = OptimizerSpec.of(optimizer)
    return spec.title, [f"{name}={value!r}" for name, value in spec.shown().items()]


def describe(optimizer):
    """``SGD · lr=1.0 · decay=0.001 · momentum=0.9``: the one-line caption of an optimizer.

    >>> describe(OptimizerSpec("adam", {"lr": 0.05, "decay": 5e-7}))
    'Adam · lr=0.05 · decay=5e-07'
    """
    title, settings = optimizer_text(optimizer)
    return " · ".join([title, *settings])


# -- the run -------------------------------------------------------------------------------------

def mode_text(seed, source=None):
    """How a run drew its data and weights: ``book mode`` (no seed: the book's stream) or ``seed 7``;
    for a run animator recorded rather than trained (``source``), where it came from: ``recorded from mine.py``."""
    if source is not None:
        return source.text()
    return "book mode" if seed is None else f"seed {seed}"


# a race with a recorded run: where the book's entrants started (animator.race_recorded's start)
START_TEXT = {"same": "the book's optimizers start from your weights",
              "book": "your data or first weights are not the book's: the book's optimizers start from the book's weights"}
SHORT_START_TEXT = {"same": "from your weights", "book": "from the book's weights, not yours"}


def recorded_title(title):
    """A recorded run's name among the book's entrants: ``Adam (yours)``."""
    return f"{title} (yours)"


def diverged_text(epoch):
    """The banner over a run that diverged: ``diverged at epoch 1234``."""
    return f"diverged at epoch {epoch}"


def layers_text(layers):
    """``Dense(2, 64) → Dense(64, 3)``: a Recording's layers, as its spec names them."""
    return " → ".join(layers)


def sizes_text(sizes):
    """``2→64→3``: a network by its layer widths, inputs to classes."""
    return "→".join(str(n) for n in sizes)


def data_captions(name, samples, classes, network, *, seed, source=None):
    """The data caption line, longest wording first, for a layout to take the first that fits.

    ``network`` is :func:`layers_text` or :func:`sizes_text`; ``source`` a recorded run's
    :class:`~animator.source.Source` (see :func:`mode_text`).
    """
    mode = mode_text(seed, source)
    return (f"{name} · {samples} points · {classes} classes · {network} · {mode}",
            f"{name} · {samples} points · {classes} classes · {mode}",
            f"{name} · {mode}")


# -- a sweep --------------------------------------------------------------------------------------

def settings_text(result, cell, separator=" · "):
    """``lr=0.1 · momentum=0.9``: a cell's swept settings."""
    return separator.join(f"{name}={value_text(value)}" for name, value in result.sweep.settings(cell).items())


def headline(result):
    """``SGD · decay=0.001: lr × momentum, 10,000 epochs each``."""
    sweep = result.sweep
    title = optimizer_text(sweep.optimizer)[0]
    fixed = [f"{name}={value_text(value)}" for name, value in sweep.optimizer.hyperparameters.items()]
    return " · ".join([title, *fixed]) + f": {' × '.join(sweep.names)}, {plural(sweep.config.epochs, 'epoch')} each"


def data_text(result):
    """``spiral · 300 points · 3 classes · 2→64→3 · book mode``: a sweep's data caption."""
    config = result.sweep.config
    name = "csv" if config.data_file else config.dataset
    network = sizes_text((result.X.shape[1], *config.hidden, result.classes))
    return data_captions(name, len(result.X), result.classes, network, seed=config.seed)[0]


def final_text(run):
    """``loss 0.345, accuracy 0.873``: where a sweep's run ended."""
    return f"loss {short_loss_text(run.final_loss)}, accuracy {accuracy_text(run.final_accuracy)}"


def best_text(result):
    """The footnote of a sweep's map: the best run and how many diverged."""
    best = result.best()
    diverged = len(result.diverged)
    parts = []
    if best is not None:
        parts.append(f"best (framed): {settings_text(result, best.cell)}: {final_text(best)}")
    else:
        parts.append("every run diverged")
    if diverged and best is not None:
        parts.append(f"{diverged} of {len(result.runs)} run{'s' if len(result.runs) != 1 else ''} diverged (hatched)")
    return ".   ".join(parts)

"""Static figures drawn straight with matplotlib: Figure 14, loss against steps for several learning rates."""

import numpy as np

from animator.fileio import atomic_output

from .raster import new_figure
from .theme import OKABE_ITO


def loss_curves_png(recordings, labels, path, *, size=(960, 540), title=None):
    """One loss-against-epoch line per Recording, with a legend, written atomically as a PNG.

    A run that diverged stops where it did, with an x marking the last finite loss.
    """
    width, height = size
    fig = new_figure(width, height)
    ax = fig.add_axes([0.08, 0.12, 0.62, 0.78])
    top = 0.0
    for k, (recording, label) in enumerate(zip(recordings, labels)):
        colour = OKABE_ITO[k % len(OKABE_ITO)]
        loss = np.asarray(recording.loss, dtype=np.float64)
        ax.plot(recording.epochs, loss, color=colour, lw=1.2, label=label)
        if len(loss):
            top = max(top, float(np.nanmax(loss)))
        if recording.diverged_at is not None and len(loss):
            ax.plot(recording.epochs[-1], loss[-1], "x", color=colour, ms=9, mew=2)
    ax.set_xlabel("step (epoch)")
    ax.set_ylabel("loss (log scale)")
    # a log axis keeps a loss thrown up to 10 and one creeping down from 1.1 readable on one plot
    ax.set_yscale("log")
    finite = [float(np.nanmin(r.loss)) for r in recordings if len(r.loss)]
    low = max(min(finite) if finite else 0.1, 1e-4)
    ax.set_ylim(low * 0.8, max(top, low * 2) * 1.25)
    ticks = [t for t in (0.01, 0.02, 0.05, 0.1, 0.2, 0.3, 0.5, 1, 2, 5, 10, 20, 50, 100)
             if low * 0.8 <= t <= max(top, low * 2) * 1.25]
    ax.set_yticks(ticks, [f"{t:g}" for t in ticks])
    ax.minorticks_off()
    ax.set_xlim(left=0)
    ax.grid(alpha=0.25)
    for spine in ("top", "right"):
        ax.spines[spine].set_visible(False)
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), frameon=False, fontsize=9)
    if title:
        ax.set_title(title, loc="left", fontweight="bold")
    with atomic_output(path) as temporary:
        fig.savefig(temporary, format="png", dpi=fig.dpi, metadata={"Software": None})
    return path

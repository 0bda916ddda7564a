"""What a frame says beyond its data: a loss axis that survives early spikes, and a caption line.

A loss curve with one early spike (AdaGrad and RMSProp briefly pass 10 in the
chapter) would flatten the rest of the run against the axis if the axis ran to
the highest loss.  :func:`loss_top` scales to what the runs do most of the
time instead, and :func:`mark_spikes` marks each run's highest clipped spike at
the top edge, with its value, so nothing is hidden.

A caption (``Figure 16 · SGD with learning-rate decay 1e-2: ...``) says which
of the chapter's figures a frame is and what it shows, in one or two lines at
the foot of the frame (:func:`caption_lines`, :func:`draw_caption`).
"""

import numpy as np

from .layout import LOSS_HEADROOM, wrap
from .raster import draw_text, font
from .words import loss_text

SETTLE_SHARE = 0.05      # the first 5% of a run's epochs (its fastest change) are left out of the scale
SPIKE_QUANTILE = 0.95    # what the runs stay under 95% of the time after that sets the axis
CAPTION_LINES = 2        # a caption longer than this many lines ends in an ellipsis


def loss_top(losses, start):
    """The top of a loss axis: the highest loss, unless spikes took it far above what the runs mostly do.

    ``losses`` are the runs' loss arrays, ``start`` the highest starting loss.
    The axis stops at :data:`~renderers.layout.LOSS_HEADROOM` times ``start``,
    or higher where a run stays higher after its first epochs (its
    :data:`SPIKE_QUANTILE`), with 8% of room; never above the highest loss's.
    """
    finite = [np.asarray(loss, dtype=np.float64) for loss in losses]
    finite = [loss[np.isfinite(loss)] for loss in finite]
    high = max((float(loss.max()) for loss in finite if loss.size), default=1.0)
    if high <= 0:
        return 1.0
    settled = [loss[max(1, int(len(loss) * SETTLE_SHARE)):] for loss in finite]
    usual = max((float(np.quantile(loss, SPIKE_QUANTILE)) for loss in settled if loss.size), default=0.0)
    return min(high * 1.08, max(start * LOSS_HEADROOM, usual * 1.08))


def spikes(epochs_and_losses, top):
    """Per run, ``(epoch, loss)`` of its highest loss above ``top``, or None where the axis holds it all."""
    out = []
    for epochs, loss in epochs_and_losses:
        loss = np.asarray(loss, dtype=np.float64)
        over = np.flatnonzero(np.isfinite(loss) & (loss > top))
        out.append(None if not over.size else (float(np.asarray(epochs)[over[np.argmax(loss[over])]]),
                                               float(loss[over].max())))
    return out


def mark_spikes(ax, found, colours, *, size_pt, marker_pt, text_colour):
    """Mark each clipped spike at the top edge of ``ax``: a triangle in its run's colour, and its value.

    ``found`` is :func:`spikes`' list, ``colours`` a colour per run.  Values of
    spikes too close to one already labelled keep only their triangle.
    Returns the texts drawn.
    """
    top = ax.get_ylim()[1]
    renderer = ax.figure.canvas.get_renderer()
    texts, taken = [], []
    for spike, colour in sorted(((s, c) for s, c in zip(found, colours) if s is not None), key=lambda sc: sc[0][0]):
        epoch, value = spike
        ax.plot([epoch], [top], marker="^", ms=marker_pt, color=colour, mec="none", clip_on=False, zorder=12)
        text = ax.annotate(f"↑ {loss_text(value)}", (epoch, top), xytext=(marker_pt * 0.7, -marker_pt * 0.4),
                           textcoords="offset points", ha="left", va="top", fontsize=size_pt, color=text_colour,
                           zorder=12)
        box = text.get_window_extent(renderer)
        inside = ax.get_window_extent(renderer)
        if box.x1 > inside.x1:                          # near the right edge: the value on the left of its mark
            text.set_horizontalalignment("right")
            text.xyann = (-marker_pt * 0.7, -marker_pt * 0.4)
            box = text.get_window_extent(renderer)
        if any(box.overlaps(other) for other in taken):
            text.remove()
            continue
        taken.append(box)
        texts.append(text)
    return texts


def caption_lines(caption, width, size_px):
    """``caption`` wrapped to at most :data:`CAPTION_LINES` lines of ``width`` pixels (an ellipsis if cut)."""
    if not caption:
        return []
    lines = wrap(str(caption).split(), width, size_px)
    if len(lines) > CAPTION_LINES:
        last = lines[CAPTION_LINES - 1]
        face = font(size_px)
        while last and face.getlength(last + " …") > width:
            last = last.rsplit(" ", 1)[0] if " " in last else ""
        lines = lines[:CAPTION_LINES - 1] + [last + " …"]
    return lines


def caption_height(lines, size_px, margin):
    """The pixels a caption of ``lines`` takes at the foot of a frame, with its gap above (0 for none)."""
    return round(len(lines) * size_px * 1.3 + margin * 0.5) if lines else 0


def draw_caption(image, lines, *, size_px, margin, colour):
    """Draw the caption's ``lines`` at the foot of ``image``, left-aligned at the margin."""
    H = image.shape[0]
    step = round(size_px * 1.3)
    for k, line in enumerate(lines):
        draw_text(image, (margin, H - margin - (len(lines) - 1 - k) * step), line, size_px=size_px, colour=colour,
                  anchor="ls")

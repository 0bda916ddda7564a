"""A sweep as one offline web page: a slider per grid, an epoch slider and a play button.

Moving a grid's slider switches to that run at the same epoch, the way
TensorFlow Playground feels, but every picture is the run the sweep really
trained.  The page is self-contained: no script, font or image is fetched
from anywhere; it works from a USB stick.

Each run's decision regions at the sweep's frame epochs are drawn here with
the same :func:`~renderers.raster.decision_regions` as every other picture,
stacked into one tall palette PNG (a *strip*, a few kilobytes a frame), and
embedded as a data URI; the page shows one frame of it on a canvas, with the
data points (drawn once, a transparent layer) on top.  A small map of final
losses (the colours of :class:`~renderers.sweep.SweepMap`) picks a run by
click, and a loss curve follows the epoch.  Strips are drawn in worker
processes (:func:`renderers.frame_workers.iter_frames`), so memory does not grow
with the number of runs.  Its rate, hold and target are checked, and its
description carried and read back, as every player page's
(:class:`~renderers.writers.html.HtmlWriter`, :func:`renderers.player.data_attribute`).
"""

import base64
import html
import io
import math

import numpy as np
from PIL import Image

from animator.fileio import atomic_output

from .layout import Layout, loss_ceiling
from .player import data_attribute, script_json
from .raster import decision_regions, points_overlay
from .frame_workers import iter_frames
from .sweep import DIVERGED_FILL, loss_colours
from .words import accuracy_text, best_text, data_text, final_text, headline, settings_text, short_loss_text, value_text
from .writers.html import HtmlWriter
from .writers.metadata import encode_metadata

MAX_STRIP_PX = 30000      # a strip's height in pixels: browsers decode taller images unreliably


def panel_side(size, frames):
    """The side of the page's picture for a frame ``size``: 60% of its height, so the strips stay decodable."""
    side = max(160, min(480, round(size[1] * 0.6)))
    return max(16, min(side, MAX_STRIP_PX // max(frames, 1)))


class SweepPage(Layout):
    """The size limits of the page (its picture is 60% of the frame height); see :func:`write_player`."""

    MIN_SIZE = (320, 270)
    WHAT = "a sweep's page"


def _png(indices, palette):
    image = Image.fromarray(indices, mode="P")
    image.putpalette(np.asarray(palette, dtype=np.uint8).tobytes())    # a few colours: packed 2- or 4-bit rows
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", optimize=False, compress_level=6)
    return buffer.getvalue()


def _data_uri(data):
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


class _Strips:
    """Frame source for :func:`iter_frames`: item ``k`` is run ``k``'s frames stacked, as class indices."""

    def __init__(self, result, side, colours):
        self.result, self.side, self.colours = result, side, colours
        self.size = (side, side * len(result.frame_epochs))
        self.epochs = np.arange(len(result.runs))
        # decision_regions paints class k in colours[k]: grey level k is the class index itself
        self.identity = np.repeat(np.arange(len(colours), dtype=np.uint8)[:, None], 3, axis=1)

    def __len__(self):
        return len(self.result.runs)

    def frame(self, k):
        run = self.result.runs[k]
        if len(run.grid_probs) == 0:
            return np.zeros((0, self.side), dtype=np.uint8)
        return np.concatenate([decision_regions(probs, self.side, self.identity)[..., 0]
                               for probs in run.grid_probs])

    def encode(self, indices):
        """A strip's PNG bytes as a uint8 array (what a frame worker sends back)."""
        if indices.size == 0:
            return np.zeros(0, dtype=np.uint8)
        return np.frombuffer(_png(indices, self.colours), dtype=np.uint8)


def page_data(result, *, side, theme, fps, hold, strips):
    """What the page's script reads: the grids, the frame epochs and, per run, its strip and numbers."""
    sweep = result.sweep
    colours = loss_colours(result)
    frames = result.frame_epochs
    starts = [float(r.frame_loss[0]) for r in result.runs if len(r.frame_loss)]
    finite = [float(v) for r in result.runs for v in r.frame_loss if math.isfinite(v)]
    top = loss_ceiling(max(finite), max(starts)) if finite and starts else 1.0
    best = result.best()
    runs = []
    for run, strip, colour in zip(result.runs, strips, colours):
        stopped = np.flatnonzero(np.asarray(run.frame_epochs) < frames) if len(run.frame_epochs) else [0]
        runs.append({
            "label": settings_text(result, run.cell),
            "strip": _data_uri(bytes(strip)) if len(strip) else None,
            "loss": [float(f"{v:.5g}") for v in run.frame_loss],
            "lossText": [short_loss_text(float(v)) for v in run.frame_loss],
            "accuracy": [accuracy_text(v) for v in run.frame_accuracy],
            "stop": int(stopped[0]) if len(stopped) else None,
            "diverged": run.diverged_at,
            "final": "diverged" if run.diverged else final_text(run),
            "colour": "#%02x%02x%02x" % tuple(int(c) for c in colour),
        })
    return {
        "axes": [{"name": axis.name, "labels": [value_text(v) for v in axis.values]} for axis in sweep.axes],
        "epochs": [int(e) for e in frames],
        "total": int(sweep.config.epochs),
        "side": side,
        "fps": float(fps),
        "hold": float(hold),
        "lossTop": float(f"{top:.5g}"),
        "start": list(best.cell) if best is not None else [0] * len(sweep.axes),
        "runs": runs,
        "ink": theme.ink,
        "warning": theme.warning,
        "empty": DIVERGED_FILL,
    }


def points_layer(result, side, theme):
    """The data points as a transparent PNG the size of the picture (drawn once; the page lays it on top)."""
    overlay = points_overlay(result.X, result.y, result.grid_extent, side, theme.class_rgb(result.classes),
                             max(1.6, side / 150))
    rgba = np.zeros((side, side, 4), dtype=np.uint8)
    rgba[overlay.index] = np.concatenate([overlay.colour, overlay.alpha], axis=1).astype(np.uint8)
    buffer = io.BytesIO()
    Image.fromarray(rgba, mode="RGBA").save(buffer, format="PNG", optimize=False, compress_level=9)
    return _data_uri(buffer.getvalue())


def check_player(path, *, size=(960, 540), fps=25.0, hold=2.0):
    """Every check before any work: the frame size, then the rate, hold and target as for any player page."""
    SweepPage.check_size(size)
    HtmlWriter.check_options(size=size, fps=fps, hold=hold)
    HtmlWriter.check_target(path)


def write_player(result, path, *, size=(960, 540), theme="default", fps=25.0, hold=2.0, workers=None,
                 progress=None, metadata=None):
    """Write the page for ``result`` to ``path`` (atomically); returns the number of runs it holds.

    ``metadata`` (a dict) is the run's description, kept on ``<html data-animator>`` as every page's is.

    ``progress(done, total)`` is called as each run's strip is drawn.
    """
    check_player(path, size=size, fps=fps, hold=hold)
    theme_ = SweepPage.theme_named(theme)
    frames = len(result.frame_epochs)
    side = panel_side(size, frames)
    source = _Strips(result, side, theme_.region_rgb(result.classes))
    strips = []
    for done, strip in enumerate(iter_frames(source, range(len(source)), transform=source.encode,
                                             workers=workers), 1):
        strips.append(strip.copy())
        if progress is not None:
            progress(done, len(source))
    data = page_data(result, side=side, theme=theme_, fps=fps, hold=hold, strips=strips)
    data["points"] = points_layer(result, side, theme_)
    described = data_attribute(None if metadata is None else encode_metadata(metadata))
    page = _PAGE.format(described=described, title=html.escape(headline(result)), headline=html.escape(headline(result)),
                        data_text=html.escape(data_text(result)), best=html.escape(best_text(result)),
                        side=side, ink=theme_.ink, muted=theme_.muted, background=theme_.background,
                        sliders="\n".join(
                            f'<label class="slider"><span class="name">{html.escape(axis.name)}</span>'
                            f'<input type="range" id="axis{i}" min="0" max="{len(axis) - 1}" step="1" value="0">'
                            f'<output id="value{i}"></output></label>' for i, axis in enumerate(result.sweep.axes)),
                        columns=result.sweep.shape[-1],
                        data=script_json(data))
    with atomic_output(path) as temporary:
        with open(temporary, "w", encoding="utf-8") as handle:
            handle.write(page)
    return len(result.runs)


_PAGE = """<!doctype html>
<html lang="en"{described}><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title}</title>
<style>
body{{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:1.2em;color:{ink};background:{background}}}
h1{{font-size:1.15em;margin:0 0 .2em}}
.muted{{color:{muted};margin:0 0 1em;font-size:.9em}}
.main{{display:flex;flex-wrap:wrap;gap:1.5em;align-items:flex-start}}
canvas{{border:1px solid #bbb;width:{side}px;height:{side}px;image-rendering:auto}}
.side{{min-width:300px;max-width:560px;flex:1}}
.slider{{display:flex;align-items:center;gap:.6em;margin:.35em 0}}
.slider .name{{min-width:5.5em;font-weight:600}}
.slider input{{flex:1}}
.slider output{{min-width:6em;font-variant-numeric:tabular-nums}}
button{{font-size:1em;min-width:2.6em}}
#stats{{margin:.8em 0;font-variant-numeric:tabular-nums;min-height:1.4em}}
#stats .warning{{color:#fff;padding:.1em .4em;border-radius:3px}}
svg{{border-left:1px solid #999;border-bottom:1px solid #999;display:block;margin:.4em 0 1em}}
#map{{display:grid;grid-template-columns:repeat({columns},minmax(10px,1fr));gap:2px;max-width:480px}}
#map button{{border:2px solid transparent;min-width:0;height:1.6em;padding:0;cursor:pointer}}
#map button.on{{border-color:{ink}}}
.note{{font-size:.9em;margin-top:1em}}
</style></head>
<body>
<h1>{headline}</h1>
<p class="muted">{data_text}</p>
<div class="main">
<canvas id="view" width="{side}" height="{side}" aria-label="decision regions of the chosen run"></canvas>
<div class="side">
{sliders}
<label class="slider"><span class="name">epoch</span><button id="play" type="button" aria-label="play">&#9654;</button>
<input type="range" id="frame" min="0" max="0" step="1" value="0"><output id="epoch"></output></label>
<div id="stats"></div>
<div class="muted">loss against epochs</div>
<svg id="curve" width="320" height="110" viewBox="0 0 320 110" preserveAspectRatio="none">
<polyline id="line" fill="none" stroke="{ink}" stroke-width="1.6" points=""></polyline>
<line id="cursor" x1="0" x2="0" y1="0" y2="110" stroke="#999" stroke-width="1"></line></svg>
<div class="muted">final loss of every run (click one)</div>
<div id="map"></div>
<p class="note">{best}</p>
</div></div>
<script type="application/json" id="sweep-data">{data}</script>
<script>
(function () {{
  "use strict";
  var D = JSON.parse(document.getElementById("sweep-data").textContent);
  var S = D.side, F = D.epochs.length, W = 320, H = 110;
  var view = document.getElementById("view").getContext("2d");
  var frame = document.getElementById("frame");
  var sliders = D.axes.map(function (a, i) {{ return document.getElementById("axis" + i); }});
  var points = new Image();
  var strips = {{}};
  var timer = null, held = 0;
  frame.max = F - 1;
  frame.value = F - 1;
  sliders.forEach(function (s, i) {{ s.value = D.start[i]; }});
  function sizes() {{ return D.axes.map(function (a) {{ return a.labels.length; }}); }}
  function index() {{
    var k = 0, n = sizes();
    sliders.forEach(function (s, i) {{ k = k * n[i] + Number(s.value); }});
    return k;
  }}
  function strip(k) {{
    if (!strips[k] && D.runs[k].strip) {{
      strips[k] = new Image();
      strips[k].onload = draw;
      strips[k].src = D.runs[k].strip;
    }}
    return strips[k];
  }}
  function grouped(n) {{ return n.toString().replace(/\\B(?=(\\d{{3}})+(?!\\d))/g, ","); }}
  function draw() {{
    var k = index(), f = Number(frame.value), run = D.runs[k], image = strip(k);
    D.axes.forEach(function (a, i) {{ document.getElementById("value" + i).textContent = a.labels[sliders[i].value]; }});
    document.getElementById("epoch").textContent = "epoch " + grouped(D.epochs[f]) + " of " + grouped(D.total);
    view.fillStyle = D.empty;
    view.fillRect(0, 0, S, S);
    if (image && image.complete && image.naturalWidth) {{
      view.drawImage(image, 0, f * S, S, S, 0, 0, S, S);
      if (points.complete) {{ view.drawImage(points, 0, 0); }}
    }}
    var stopped = run.stop !== null && f >= run.stop;
    var stats = document.getElementById("stats");
    stats.textContent = "";
    var head = document.createElement("strong");
    head.textContent = run.label + ": ";
    stats.appendChild(head);
    if (stopped && run.diverged !== null) {{
      var banner = document.createElement("span");
      banner.className = "warning";
      banner.style.background = D.warning;
      banner.textContent = "diverged at epoch " + grouped(run.diverged);
      stats.appendChild(banner);
    }} else if (run.loss.length) {{
      stats.appendChild(document.createTextNode("loss " + run.lossText[f] + " \\u00b7 accuracy " + run.accuracy[f]));
    }}
    var last = run.stop === null ? F : Math.max(run.stop, 1);
    var line = [];
    for (var i = 0; i < Math.min(last, run.loss.length); i++) {{
      var x = D.total ? D.epochs[i] / D.total * W : 0;
      var y = H - Math.min(run.loss[i], D.lossTop) / D.lossTop * H;
      line.push(x.toFixed(1) + "," + y.toFixed(1));
    }}
    document.getElementById("line").setAttribute("points", line.join(" "));
    var cx = (D.total ? D.epochs[f] / D.total * W : 0).toFixed(1);
    var cursor = document.getElementById("cursor");
    cursor.setAttribute("x1", cx);
    cursor.setAttribute("x2", cx);
    Array.prototype.forEach.call(document.getElementById("map").children, function (b, j) {{
      b.className = j === k ? "on" : "";
    }});
  }}
  var map = document.getElementById("map");
  D.runs.forEach(function (run, k) {{
    var b = document.createElement("button");
    b.type = "button";
    b.style.background = run.colour;
    b.title = run.label + ": " + run.final;
    b.setAttribute("aria-label", b.title);
    b.addEventListener("click", function () {{
      var n = sizes(), rest = k;
      for (var i = sliders.length - 1; i >= 0; i--) {{ sliders[i].value = rest % n[i]; rest = Math.floor(rest / n[i]); }}
      draw();
    }});
    map.appendChild(b);
  }});
  function tick() {{
    var f = Number(frame.value);
    if (f >= F - 1) {{
      if (held < D.hold * D.fps) {{ held++; return; }}
      held = 0;
      frame.value = 0;
    }} else {{
      frame.value = f + 1;
    }}
    draw();
  }}
  document.getElementById("play").addEventListener("click", function () {{
    if (timer) {{ clearInterval(timer); timer = null; this.innerHTML = "&#9654;"; this.setAttribute("aria-label", "play"); }}
    else {{
      if (Number(frame.value) >= F - 1) {{ frame.value = 0; }}
      held = 0;
      timer = setInterval(tick, 1000 / D.fps);
      this.innerHTML = "&#10074;&#10074;";
      this.setAttribute("aria-label", "pause");
    }}
  }});
  /* the epoch from the keyboard (a presentation remote's PageDown/PageUp too), unless a control has it */
  var play = document.getElementById("play");
  document.addEventListener("keydown", function (event) {{
    var tag = event.target && event.target.tagName, key = event.key, f = Number(frame.value);
    if (event.ctrlKey || event.altKey || event.metaKey || tag === "INPUT" || tag === "SELECT" || tag === "BUTTON") return;
    if (key === " ") {{ play.click(); event.preventDefault(); return; }}
    if (key === "PageDown" || key === "ArrowRight") f += 1;
    else if (key === "PageUp" || key === "ArrowLeft") f -= 1;
    else if (key === "Home") f = 0;
    else if (key === "End") f = F - 1;
    else return;
    event.preventDefault();
    if (timer) play.click();
    frame.value = Math.max(0, Math.min(F - 1, f));
    draw();
  }});
  sliders.concat([frame]).forEach(function (s) {{ s.addEventListener("input", draw); }});
  points.onload = draw;
  points.src = D.points;
  draw();
}})();
</script>
</body></html>
"""

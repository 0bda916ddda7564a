"""The HTML player: one self-contained page that shows exact frames on a ``<canvas>``.

The page holds no video.  Its frames are lossless WebP images in a JSON array
(``<script type="application/json" id="animator-frames">``), written as they
come, one ``[x, y, "<base64 WebP>"]`` (or ``null``) per frame, and the rest in a
second JSON block (``id="animator-settings"``) after it::

    {"fps": 25, "hold": 2.0, "size": [960, 540], "unit": "epoch", "keyframe": 50,
     "epochs": [0, 50, ...], "caption": "SGD · lr=1.0", "background": [255, 255, 255],
     "entrants": [{"name": "SGD", "rects": [[x, y, w, h], ...], "opacity": 1.0}, ...]}

Frame ``i`` is drawn as the latest keyframe ``k <= i`` (every ``keyframe``-th
frame: a whole frame at (0, 0)) followed by the patches of frames ``k+1 .. i``:
each the rectangle that changed since the frame before, its unchanged pixels
transparent (``null`` when nothing changed).  Patches are decoded from bytes
with ``createImageBitmap``, never through a URL, so the page asks the network
for nothing (the favicon is ``data:,``).

``window.player`` is the scripting API: ``frameCount``, ``frame``, ``epoch``,
``seek(i)``, ``play()``, ``pause()`` (and ``playing``, ``ready`` — a Promise
resolved once every frame is decoded —, ``hide(name)``, ``show(name)``,
``canvas``).  Keyboard: space plays or pauses, the arrows step one frame,
Home and End go to the first and last.  Hiding an entrant paints the page
colour over its rectangles at its ``opacity`` (what the rectangles hold is
the layout's to say, in its ``entrants()``).  Where entrants share one picture
(the 2-D race's map), the page also holds layers
(``<script type="application/json" id="animator-layers">``: the frames without
any entrant, then each entrant alone, transparent elsewhere, each a stream like
the frames'); while one is hidden, the picture is the first layer with the
shown entrants' layers drawn over it in order.
"""

import html
import json

STYLE = """
body{margin:0;background:#fff;color:#222;font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif}
#animator-player{display:inline-block;max-width:100%;padding:6px}
#animator-player canvas{display:block;max-width:100%;height:auto;outline:none}
#animator-player .bar{display:flex;flex-wrap:wrap;align-items:center;gap:6px;margin-top:6px}
#animator-player button{min-width:2.4em;font:inherit;padding:2px 6px}
#animator-player input[type=range]{flex:1 1 12em}
#animator-player .readout{font-variant-numeric:tabular-nums;min-width:13em}
#animator-player .caption{margin-top:4px;color:#555}
#animator-player .entrants label{margin-right:.8em}
"""

SCRIPT = r"""
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("animator-settings").textContent);
  data.frames = JSON.parse(document.getElementById("animator-frames").textContent);
  var root = document.getElementById("animator-player");
  var canvas = root.querySelector("canvas"), view = canvas.getContext("2d");
  var q = function (name) { return root.querySelector("[data-role=" + name + "]"); };
  var scrub = q("scrubber"), readout = q("readout"), playButton = q("play"), speed = q("speed"), loop = q("loop");
  var n = data.frames.length, K = data.keyframe;
  scrub.max = n - 1;
  var current = -1, playing = false, timer = null, hidden = {};
  var bg = "rgb(" + data.background.join(",") + ")";

  function bytes(text) {
    var raw = atob(text), out = new Uint8Array(raw.length);
    for (var i = 0; i < raw.length; i++) out[i] = raw.charCodeAt(i);
    return out;
  }
  // a stream of frames on its own canvas: keyframes, then rectangles drawn over (or, for a layer, replacing)
  function Stream(entries, replace) {
    var canvas = document.createElement("canvas");
    canvas.width = data.size[0]; canvas.height = data.size[1];
    this.canvas = canvas; this.ctx = canvas.getContext("2d"); this.entries = entries; this.replace = replace;
    this.bitmaps = new Array(entries.length); this.at = -1;
    var self = this;
    this.ready = Promise.all(entries.map(function (f, i) {
      if (!f) return null;
      return createImageBitmap(new Blob([bytes(f[2])], {type: "image/webp"}),
                               {premultiplyAlpha: "none", colorSpaceConversion: "none"})
        .then(function (b) { self.bitmaps[i] = b; });
    }));
  }
  Stream.prototype.paint = function (i) {
    var b = this.bitmaps[i], f = this.entries[i];
    if (!b) return;
    if (this.replace) this.ctx.clearRect(f[0], f[1], b.width, b.height);
    this.ctx.drawImage(b, f[0], f[1]);
  };
  Stream.prototype.to = function (i) {
    var j;
    if (this.at >= 0 && i > this.at && Math.floor(i / K) === Math.floor(this.at / K)) {
      for (j = this.at + 1; j <= i; j++) this.paint(j);
    } else if (i !== this.at) {
      if (this.replace) this.ctx.clearRect(0, 0, this.canvas.width, this.canvas.height);
      for (j = i - i % K; j <= i; j++) this.paint(j);
    }
    this.at = i;
    return this.canvas;
  };
  var main = new Stream(data.frames, false), layers = [];
  if (data.layers) {
    layers = JSON.parse(document.getElementById("animator-layers").textContent).map(function (entries, k) {
      return new Stream(entries, k > 0);
    });
  }
  var ready = Promise.all([main.ready].concat(layers.map(function (s) { return s.ready; })));

  function present() {
    var anyHidden = (data.entrants || []).some(function (e) { return hidden[e.name]; });
    if (anyHidden && layers.length) {     // the picture without entrants, then each shown entrant alone on it
      view.drawImage(layers[0].to(current), 0, 0);
      data.entrants.forEach(function (e, k) { if (!hidden[e.name]) view.drawImage(layers[k + 1].to(current), 0, 0); });
    } else {
      view.drawImage(main.to(current), 0, 0);
    }
    view.fillStyle = bg;
    (data.entrants || []).forEach(function (e) {
      if (!hidden[e.name]) return;
      view.globalAlpha = e.opacity;
      e.rects.forEach(function (r) { view.fillRect(r[0], r[1], r[2], r[3]); });
      view.globalAlpha = 1;
    });
    scrub.value = current;
    readout.textContent = data.unit + " " + data.epochs[current].toLocaleString("en-US") + " · frame " +
      (current + 1) + " / " + n;
  }
  function show(i) {
    current = Math.max(0, Math.min(n - 1, Math.round(Number(i)) || 0));
    present();
    return current;
  }
  var started = 0, startFrame = 0;
  function seek(i) {
    i = show(i);
    if (playing) { clearTimeout(timer); started = performance.now(); startFrame = i; tick(); }
    return i;
  }
  function rate() { return data.fps * Number(speed.value); }
  function tick() {
    if (!playing) return;
    var target = startFrame + Math.floor((performance.now() - started) * rate() / 1000);
    if (target >= n - 1) {
      show(n - 1);
      var wait = (data.hold * 1000 + 1000 / rate());
      timer = setTimeout(function () {
        if (!playing) return;
        if (loop.checked) { show(0); started = performance.now(); startFrame = 0; tick(); } else { pause(); }
      }, wait);
      return;
    }
    if (target !== current) show(target);
    timer = setTimeout(tick, Math.max(4, 1000 / rate() / 2));
  }
  function play() {
    if (playing) return;
    if (current >= n - 1) show(0);
    playing = true; playButton.textContent = "\u275a\u275a"; playButton.title = "pause (space)";
    started = performance.now(); startFrame = current; tick();
  }
  function pause() {
    playing = false; clearTimeout(timer); timer = null;
    playButton.textContent = "\u25b6"; playButton.title = "play (space)";
  }
  function step(d) { pause(); show(current + d); }
  function setHidden(name, value) {
    hidden[name] = value;
    var box = root.querySelector('input[data-entrant="' + CSS.escape(name) + '"]');
    if (box) box.checked = !value;
    present();
  }

  playButton.addEventListener("click", function () { playing ? pause() : play(); });
  q("back").addEventListener("click", function () { step(-1); });
  q("forward").addEventListener("click", function () { step(1); });
  q("first").addEventListener("click", function () { pause(); show(0); });
  q("last").addEventListener("click", function () { pause(); show(n - 1); });
  scrub.addEventListener("input", function () { pause(); show(scrub.value); });
  speed.addEventListener("change", function () { if (playing) { started = performance.now(); startFrame = current; } });
  root.querySelectorAll("input[data-entrant]").forEach(function (box) {
    box.addEventListener("change", function () { setHidden(box.getAttribute("data-entrant"), !box.checked); });
  });
  document.addEventListener("keydown", function (event) {
    if (event.target && event.target.tagName === "SELECT") return;
    var key = event.key;
    if (key === " " || key === "Spacebar") { playing ? pause() : play(); }
    else if (key === "ArrowRight") step(1);
    else if (key === "ArrowLeft") step(-1);
    else if (key === "Home") { pause(); show(0); }
    else if (key === "End") { pause(); show(n - 1); }
    else return;
    event.preventDefault();
  });

  window.player = {
    frameCount: n,
    get frame() { return current; },
    get epoch() { return current < 0 ? null : data.epochs[current]; },
    get playing() { return playing; },
    canvas: canvas,
    seek: seek, play: play, pause: pause,
    hide: function (name) { setHidden(name, true); },
    show: function (name) { setHidden(name, false); },
    ready: ready.then(function () { show(0); if (root.hasAttribute("data-autoplay")) play(); return n; })
  };
})();
"""


def script_json(value):
    """JSON safe inside a ``<script>`` element: ASCII, and no ``</`` to end it early."""
    return json.dumps(value, ensure_ascii=True, separators=(",", ":"), sort_keys=True).replace("</", "<\\/")


def data_attribute(metadata):
    """`` data-animator="..."``: the run's description (text) on a page's ``<html>`` tag, or "" without one.

    :meth:`renderers.writers.html.HtmlWriter.read_metadata` reads it back, from a player or a sweep's page.
    """
    return f' data-animator="{html.escape(metadata)}"' if metadata is not None else ""


def page_start(*, size, title, caption="", entrants=(), metadata=None, autoplay=True):
    """The page up to its frames: head, canvas, controls, and the opening of the frames' JSON array.

    ``metadata`` (text) goes on ``<html data-animator>``; ``entrants`` get a checkbox each.
    """
    width, height = size
    described = data_attribute(metadata)
    boxes = "".join(
        f'<label><input type="checkbox" checked data-entrant="{html.escape(e["name"])}"> {html.escape(e["name"])}'
        f"</label>" for e in entrants)
    speeds = "".join(f'<option value="{s}"{" selected" if s == "1" else ""}>{s}x</option>'
                     for s in ("0.25", "0.5", "1", "2", "4"))
    return (
        f'<!doctype html>\n<html lang="en"{described}><head><meta charset="utf-8">'
        f'<title>{html.escape(title)}</title>\n'
        f'<link rel="icon" href="data:,"><meta name="viewport" content="width=device-width,initial-scale=1">\n'
        f"<style>{STYLE}</style></head>\n<body>\n"
        f'<div id="animator-player"{" data-autoplay" if autoplay else ""}>\n'
        f'<canvas width="{width}" height="{height}" tabindex="0" aria-label="{html.escape(caption or title)}">'
        f"</canvas>\n"
        f'<div class="bar"><button data-role="first" title="first frame (Home)">&#x21E4;</button>'
        f'<button data-role="back" title="back one frame (&#x2190;)">&#x25C0;&#x2758;</button>'
        f'<button data-role="play" title="play (space)">&#x25B6;</button>'
        f'<button data-role="forward" title="forward one frame (&#x2192;)">&#x2758;&#x25B6;</button>'
        f'<button data-role="last" title="last frame (End)">&#x21E5;</button>'
        f'<input type="range" data-role="scrubber" min="0" max="0" step="1" value="0" aria-label="frame">'
        f'<label>speed <select data-role="speed">{speeds}</select></label>'
        f'<label><input type="checkbox" data-role="loop" checked> loop</label></div>\n'
        f'<div class="bar"><span class="readout" data-role="readout" aria-live="polite"></span>'
        f'<span class="entrants">{boxes}</span></div>\n'
        f'<div class="caption">{html.escape(caption)}</div>\n</div>\n'
        f'<script type="application/json" id="animator-frames">[')


def page_frame(item, first):
    """One frame's entry in the array: ``null``, or ``[x, y, "<base64>"]``."""
    return ("" if first else ",\n") + script_json(item)


def page_end(settings, layers=()):
    """The rest of the page after the last frame: the settings, any layers, and the player's script.

    ``layers``: the frames without entrants, then each entrant's layer, as streams of entries like the frames'.
    """
    held = (f'<script type="application/json" id="animator-layers">{script_json(list(layers))}</script>\n'
            if layers else "")
    return (f']</script>\n<script type="application/json" id="animator-settings">{script_json(settings)}</script>\n'
            f"{held}<script>{SCRIPT}</script>\n</body></html>\n")

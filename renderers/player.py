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
``seek(i)`` (a Promise of the frame on screen, resolved once it is painted),
``play()``, ``pause()`` (and ``playing``, ``loop``, ``ready`` — a Promise
resolved once every frame is decoded —, ``fullscreen()``, ``hide(name)``,
``show(name)``, ``canvas``, which stays at the frame's size and pixels).
Before ``ready``, ``pause()`` and ``seek()`` say where the page waits and
``play()`` that it plays.  Keyboard: space plays or pauses, the arrows and
PageDown/PageUp (a presentation remote's) step one frame, Home and End go to
the first and last, ``f`` toggles fullscreen, ``.`` and ``b`` black the page
out.  The picture fills the window at a whole number of device pixels,
pixelated at a whole scale and smoothed otherwise.  In an iframe, the page
around it sends ``{"animator": "play" | "pause" | "seek" | "loop" | "state"}``
messages and hears ``ready``, ``state`` and ``key`` ones (the keys a slide
deck takes back: Esc, ``.``, ``b``, a step past either end); see
``examples/revealjs``.  Hiding an entrant paints the page
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
html,body{height:100%}
body{margin:0;background:#fff;color:#222;font:14px/1.4 system-ui,-apple-system,"Segoe UI",sans-serif}
#animator-player{box-sizing:border-box;display:flex;flex-direction:column;height:100%;padding:6px;position:relative}
#animator-player .stage{flex:1 1 auto;min-height:0;display:flex;align-items:center;justify-content:center;overflow:hidden}
#animator-player canvas{display:block;flex:none;max-width:100%;max-height:100%;outline:none}
#animator-player .bar{display:flex;flex-wrap:wrap;align-items:center;gap:6px;margin-top:6px}
#animator-player button{min-width:2.4em;font:inherit;padding:2px 6px}
#animator-player input[type=range]{flex:1 1 12em}
#animator-player .readout{font-variant-numeric:tabular-nums;min-width:13em}
#animator-player .caption{margin-top:4px;color:#555}
#animator-player .entrants label{margin-right:.8em}
#animator-player.fullscreen{padding:0;background:var(--page,#fff)}
#animator-player.fullscreen .controls{position:absolute;left:0;right:0;bottom:0;padding:0 12px 8px;
background:rgba(255,255,255,.9);transition:opacity .4s}
#animator-player.fullscreen.idle .controls{opacity:0;pointer-events:none}
#animator-player.fullscreen.idle{cursor:none}
.blackout{position:fixed;inset:0;z-index:10;background:#000}
"""

SCRIPT = r"""
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("animator-settings").textContent);
  data.frames = JSON.parse(document.getElementById("animator-frames").textContent);
  var root = document.getElementById("animator-player");
  var canvas = root.querySelector("canvas"), view = canvas.getContext("2d"), stage = root.querySelector(".stage");
  var q = function (name) { return root.querySelector("[data-role=" + name + "]"); };
  var scrub = q("scrubber"), readout = q("readout"), playButton = q("play"), speed = q("speed"), loop = q("loop");
  var n = data.frames.length, K = data.keyframe;
  scrub.max = n - 1;
  var current = -1, playing = false, timer = null, hidden = {};
  var bg = "rgb(" + data.background.join(",") + ")";
  var embedded = window.parent !== window;
  root.style.setProperty("--page", bg);

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
  var decoding = Promise.all([main.ready].concat(layers.map(function (s) { return s.ready; })));

  // -- the picture fills the space the controls leave, keeping its aspect --------------------------
  // Its size is a whole number of device pixels.  A whole number of device pixels per frame pixel (2x on
  // a 1920x1080 screen for 960x540 frames) is drawn pixel for pixel (image-rendering: pixelated, exact);
  // any other scale is smoothed, since nearest-neighbour would make some lines of a chart thicker than
  // others.  A scale within 3% below a whole number is rounded down to it, to stay exact.
  function fit() {
    var box = stage.getBoundingClientRect(), ratio = window.devicePixelRatio || 1;
    var w = canvas.width, h = canvas.height;
    var scale = Math.min(box.width * ratio / w, box.height * ratio / h);   // device pixels per frame pixel
    if (!(scale > 0)) return;
    var whole = Math.floor(scale + 1e-9);
    if (whole >= 1 && scale - whole <= 0.03 * scale) scale = whole;
    canvas.style.width = Math.floor(w * scale + 1e-6) / ratio + "px";
    canvas.style.height = Math.floor(h * scale + 1e-6) / ratio + "px";
    canvas.style.imageRendering = scale === whole ? "pixelated" : "auto";
    canvas.setAttribute("data-scale", String(Math.round(scale * 1000) / 1000));
  }
  window.addEventListener("resize", fit);
  if (window.ResizeObserver) new ResizeObserver(fit).observe(stage);
  fit();

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
  function frameNumber(i) { return i === "last" ? n - 1 : Math.max(0, Math.min(n - 1, Math.round(Number(i)) || 0)); }
  function show(i) {
    current = frameNumber(i);
    present();
    return current;
  }
  // resolves with the frame on screen once the page has been painted after the canvas was drawn: after
  // the next animation frame (a page that is not shown paints nothing, and an off-screen frame may not be
  // rendered at all: then the canvas holding the frame is all there is)
  function painted() {
    return new Promise(function (resolve) {
      var done = false;
      function finish() { if (!done) { done = true; resolve(current); } }
      if (document.visibilityState === "hidden") { finish(); return; }
      requestAnimationFrame(function () { setTimeout(finish, 0); });
      setTimeout(finish, 1000);
    });
  }

  // before every frame is decoded, play(), pause() and seek() say what happens once they are: a page that
  // is told where to be or to pause does not start by itself
  var decoded = false, wantPlay = root.hasAttribute("data-autoplay"), wantFrame = 0;
  var started = 0, startFrame = 0;
  function seek(i) {
    if (!decoded) { wantFrame = frameNumber(i); wantPlay = false; return ready.then(painted); }
    i = show(i);
    if (playing) { clearTimeout(timer); started = performance.now(); startFrame = i; tick(); }
    return painted();
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
    if (!decoded) { wantPlay = true; return; }
    if (playing) return;
    if (current >= n - 1) show(0);
    playing = true; playButton.textContent = "\u275a\u275a"; playButton.title = "pause (space)";
    started = performance.now(); startFrame = current; tick();
  }
  function pause() {
    wantPlay = false;
    playing = false; clearTimeout(timer); timer = null;
    playButton.textContent = "\u25b6"; playButton.title = "play (space)";
  }
  function step(d) { pause(); show(current + d); }
  function setHidden(name, value) {
    hidden[name] = value;
    var box = root.querySelector('input[data-entrant="' + CSS.escape(name) + '"]');
    if (box) box.checked = !value;
    if (decoded) present();
  }

  // -- fullscreen: the picture alone, the controls over it while the pointer moves ----------------------
  function fullscreenElement() { return document.fullscreenElement || document.webkitFullscreenElement || null; }
  function toggleFullscreen() {
    if (fullscreenElement()) {
      return (document.exitFullscreen || document.webkitExitFullscreen).call(document);
    }
    var request = root.requestFullscreen || root.webkitRequestFullscreen;
    return request ? Promise.resolve(request.call(root)) : Promise.reject(new Error("no fullscreen here"));
  }
  var idleTimer = null;
  function wake() {
    root.classList.remove("idle");
    clearTimeout(idleTimer);
    idleTimer = setTimeout(function () { root.classList.add("idle"); }, 2500);
  }
  function fullscreenChanged() {
    var on = fullscreenElement() === root;
    root.classList.toggle("fullscreen", on);
    q("fullscreen").title = on ? "leave fullscreen (f or Esc)" : "fullscreen (f)";
    if (on) wake(); else { clearTimeout(idleTimer); root.classList.remove("idle"); }
    fit();
  }
  document.addEventListener("fullscreenchange", fullscreenChanged);
  document.addEventListener("webkitfullscreenchange", fullscreenChanged);
  root.addEventListener("pointermove", function () { if (root.classList.contains("fullscreen")) wake(); });

  // -- blackout (. or b, as presentation remotes send): a black page until pressed again -----------
  var blackout = document.createElement("div");
  blackout.className = "blackout"; blackout.hidden = true;
  document.body.appendChild(blackout);
  function black(on) {
    blackout.hidden = !on;
    if (on) pause();
  }

  playButton.addEventListener("click", function () { playing ? pause() : play(); });
  q("back").addEventListener("click", function () { step(-1); });
  q("forward").addEventListener("click", function () { step(1); });
  q("first").addEventListener("click", function () { pause(); show(0); });
  q("last").addEventListener("click", function () { pause(); show(n - 1); });
  q("fullscreen").addEventListener("click", function () { toggleFullscreen().catch(function () {}); });
  // a click leaves the keyboard with the page, so space never presses the last button clicked as well
  root.querySelectorAll("button").forEach(function (b) {
    b.addEventListener("mousedown", function (event) { event.preventDefault(); });
  });
  scrub.addEventListener("input", function () { pause(); show(scrub.value); });
  speed.addEventListener("change", function () { if (playing) { started = performance.now(); startFrame = current; } });
  root.querySelectorAll("input[data-entrant]").forEach(function (box) {
    box.addEventListener("change", function () { setHidden(box.getAttribute("data-entrant"), !box.checked); });
  });

  // to the page around an embedded player: keys it passes on (see the README), and its state
  function tell(message, target) {
    message.animator = message.animator || "state";
    (target || window.parent).postMessage(message, "*");
  }
  function state() {
    return {animator: "state", frame: current, frameCount: n, playing: playing, ready: decoded, loop: loop.checked};
  }
  var NEXT = {PageDown: 1, ArrowRight: 1}, PREVIOUS = {PageUp: 1, ArrowLeft: 1};
  document.addEventListener("keydown", function (event) {
    var key = event.key, target = event.target, tag = target && target.tagName;
    if (event.ctrlKey || event.altKey || event.metaKey || event.defaultPrevented) return;
    if (tag === "SELECT") return;
    var pressable = tag === "BUTTON" || (tag === "INPUT" && target.type === "checkbox");
    if (pressable && (key === " " || key === "Enter")) return;        // the control's own
    if (!blackout.hidden) {
      if (key === "." || key === "b" || key === "B" || key === "Escape") { black(false); event.preventDefault(); }
      return;
    }
    if (key === "Escape" && fullscreenElement()) {     // where the browser leaves it to the page
      toggleFullscreen().catch(function () {});
      event.preventDefault();
      return;
    }
    if (embedded && ((NEXT[key] && current >= n - 1) || (PREVIOUS[key] && current <= 0) ||
                     key === "Escape" || key === "." || key === "b" || key === "B")) {
      tell({animator: "key", key: key});      // past the ends, and Esc: the deck's
      event.preventDefault();
      return;
    }
    if (key === " " || key === "Spacebar") { playing ? pause() : play(); }
    else if (NEXT[key]) step(1);
    else if (PREVIOUS[key]) step(-1);
    else if (key === "Home") { pause(); show(0); }
    else if (key === "End") { pause(); show(n - 1); }
    else if (key === "f" || key === "F") toggleFullscreen().catch(function () {});
    else if (key === "." || key === "b" || key === "B") black(true);
    else return;
    event.preventDefault();
  });
  // commands from the page around it (a slide deck): {animator: "play" | "pause" | "seek" | "loop" | "state"}
  window.addEventListener("message", function (event) {
    var m = event.data, reply = event.source || window.parent;
    if (!m || typeof m !== "object" || typeof m.animator !== "string") return;
    if (m.animator === "play") play();
    else if (m.animator === "pause") pause();
    else if (m.animator === "loop") loop.checked = Boolean(m.loop);
    else if (m.animator === "seek") { seek(m.frame).then(function () { tell(state(), reply); }); return; }
    else if (m.animator !== "state") return;
    tell(state(), reply);
  });

  var ready = decoding.then(function () {
    decoded = true;
    show(wantFrame);
    if (wantPlay) play();
    if (embedded) tell({animator: "ready", frameCount: n});
    return n;
  });
  window.player = {
    frameCount: n,
    get frame() { return current; },
    get epoch() { return current < 0 ? null : data.epochs[current]; },
    get playing() { return playing; },
    get loop() { return loop.checked; },
    set loop(value) { loop.checked = Boolean(value); },
    canvas: canvas,
    seek: seek, play: play, pause: pause, fullscreen: toggleFullscreen,
    hide: function (name) { setHidden(name, true); },
    show: function (name) { setHidden(name, false); },
    ready: ready
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
        f'<div class="stage"><canvas width="{width}" height="{height}" tabindex="0" '
        f'aria-label="{html.escape(caption or title)}"></canvas></div>\n<div class="controls">\n'
        f'<div class="bar"><button data-role="first" title="first frame (Home)">&#x21E4;</button>'
        f'<button data-role="back" title="back one frame (&#x2190; or PageUp)">&#x25C0;&#x2758;</button>'
        f'<button data-role="play" title="play (space)">&#x25B6;</button>'
        f'<button data-role="forward" title="forward one frame (&#x2192; or PageDown)">&#x2758;&#x25B6;</button>'
        f'<button data-role="last" title="last frame (End)">&#x21E5;</button>'
        f'<input type="range" data-role="scrubber" min="0" max="0" step="1" value="0" aria-label="frame">'
        f'<label>speed <select data-role="speed">{speeds}</select></label>'
        f'<label><input type="checkbox" data-role="loop" checked> loop</label>'
        f'<button data-role="fullscreen" title="fullscreen (f)" aria-label="fullscreen">&#x2922;</button></div>\n'
        f'<div class="bar"><span class="readout" data-role="readout" aria-live="polite"></span>'
        f'<span class="entrants">{boxes}</span></div>\n'
        f'<div class="caption">{html.escape(caption)}</div>\n</div>\n</div>\n'
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

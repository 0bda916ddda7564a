
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

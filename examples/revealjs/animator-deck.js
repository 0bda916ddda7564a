/* Animator players in a reveal.js deck: each slide's players start when it is shown and stop when it is left.
 *
 * Players are pages of their own in iframes (`<iframe data-animator src="players/run.html">`); the deck
 * and they talk only by messages (see the README's player section), so it works from file:// as from a
 * server.  For each iframe, these attributes (all optional):
 *
 *   data-autoplay="false"   on arriving from an earlier slide, wait at the first frame instead of playing
 *   data-loop="true"        play round again instead of holding the last frame while you explain it
 *
 * Arriving from an earlier slide, a player starts at its first frame (and plays); arriving from a later
 * one, it shows its last frame, paused: going back is usually to look at the result again.  Leaving a
 * slide pauses its players.  The deck keeps the keyboard: after a slide change, keys go to reveal.js,
 * not to a player clicked on the slide before.  A player that has the keyboard (click it to step frames
 * with the arrows or PageDown/PageUp) hands it back with Esc, and when stepped past its last (or before
 * its first) frame it moves the deck on (or back), so a remote's buttons go through the animation and on.
 */
(function () {
  "use strict";

  function players(slide) {
    return slide ? Array.prototype.slice.call(slide.querySelectorAll("iframe[data-animator]")) : [];
  }
  function send(frame, message) {
    if (frame.contentWindow) frame.contentWindow.postMessage(message, "*");
  }
  // what a player shows when its slide is current (entered: "forward" or "back") or not (at the start:
  // its first frame; left: where it was, through the slide transition)
  function settle(frame, current, entered) {
    send(frame, {animator: "loop", loop: frame.getAttribute("data-loop") === "true"});
    if (!current) {
      send(frame, {animator: "pause"});
      if (entered === "start") send(frame, {animator: "seek", frame: 0});
      return;
    }
    if (entered === "back") {
      send(frame, {animator: "pause"});
      send(frame, {animator: "seek", frame: "last"});
    } else {
      send(frame, {animator: "pause"});
      send(frame, {animator: "seek", frame: 0});
      if (frame.getAttribute("data-autoplay") !== "false") send(frame, {animator: "play"});
    }
  }
  function takeKeyboard() {
    var active = document.activeElement;
    if (active && active.tagName === "IFRAME") active.blur();
    window.focus();
  }

  function attach(Reveal) {
    var currentSlide = null, entered = "forward", position = [0, 0];
    function order(indices) { return [indices.h || 0, indices.v || 0]; }
    function changed(event) {
      var next = order({h: event.indexh, v: event.indexv});
      entered = next[0] < position[0] || (next[0] === position[0] && next[1] < position[1]) ? "back" : "forward";
      position = next;
      players(event.previousSlide).forEach(function (frame) { settle(frame, false); });
      currentSlide = event.currentSlide;
      players(currentSlide).forEach(function (frame) { settle(frame, true, entered); });
      takeKeyboard();
    }
    function start() {
      currentSlide = Reveal.getCurrentSlide();
      position = order(Reveal.getIndices());
      Array.prototype.forEach.call(document.querySelectorAll("iframe[data-animator]"), function (frame) {
        settle(frame, currentSlide && currentSlide.contains(frame), "start");
      });
    }
    Reveal.on("slidechanged", changed);
    if (Reveal.isReady && Reveal.isReady()) start(); else Reveal.on("ready", start);

    window.addEventListener("message", function (event) {
      var m = event.data;
      if (!m || typeof m !== "object" || typeof m.animator !== "string") return;
      var frame = Array.prototype.filter.call(document.querySelectorAll("iframe[data-animator]"), function (f) {
        return f.contentWindow === event.source;
      })[0];
      if (!frame) return;
      if (m.animator === "ready") {           // a player (re)loaded: show what its slide wants now
        var here = Boolean(currentSlide && currentSlide.contains(frame));
        settle(frame, here, here ? entered : "start");
      } else if (m.animator === "key") {      // a player handing the keyboard back
        takeKeyboard();
        if (m.key === "PageDown" || m.key === "ArrowRight") Reveal.next();
        else if (m.key === "PageUp" || m.key === "ArrowLeft") Reveal.prev();
        else if ((m.key === "." || m.key === "b" || m.key === "B") && Reveal.togglePause) Reveal.togglePause();
      }
    });
  }

  if (window.Reveal) attach(window.Reveal);
  else throw new Error("animator-deck.js goes after reveal.js and Reveal.initialize(...)");
})();

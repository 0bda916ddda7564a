/* A stand-in for reveal.js in the tests: one slide shown at a time, its keys, its events and API calls. */
(function () {
  "use strict";
  var listeners = {}, slides = [], index = 0, ready = false, paused = false;
  function fire(type, event) {
    event.type = type;
    (listeners[type] || []).forEach(function (listener) { listener(event); });
  }
  function show(i) {
    i = Math.max(0, Math.min(slides.length - 1, i));
    if (i === index) return;
    var previous = slides[index];
    index = i;
    slides.forEach(function (slide, k) { slide.hidden = k !== index; slide.classList.toggle("present", k === index); });
    fire("slidechanged", {previousSlide: previous, currentSlide: slides[index], indexh: index, indexv: 0});
  }
  window.Reveal = {
    initialize: function () {
      slides = Array.prototype.slice.call(document.querySelectorAll(".reveal .slides > section"));
      slides.forEach(function (slide, k) { slide.hidden = k !== 0; slide.classList.toggle("present", k === 0); });
      document.addEventListener("keydown", function (event) {
        var key = event.key;
        if (key === "PageDown" || key === "ArrowRight" || key === " ") window.Reveal.next();
        else if (key === "PageUp" || key === "ArrowLeft") window.Reveal.prev();
        else if (key === "." || key === "b") window.Reveal.togglePause();
        else return;
        event.preventDefault();
      });
      return new Promise(function (resolve) {
        setTimeout(function () {
          ready = true;
          fire("ready", {currentSlide: slides[0], indexh: 0, indexv: 0});
          resolve();
        }, 0);
      });
    },
    on: function (type, listener) { (listeners[type] = listeners[type] || []).push(listener); },
    isReady: function () { return ready; },
    next: function () { show(index + 1); },
    prev: function () { show(index - 1); },
    slide: function (h) { show(h); },
    getCurrentSlide: function () { return slides[index]; },
    getIndices: function () { return {h: index, v: 0}; },
    togglePause: function () { paused = !paused; document.body.classList.toggle("paused", paused); },
    isPaused: function () { return paused; }
  };
})();

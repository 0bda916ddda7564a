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

import functools
import html
import json
import os

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


@functools.lru_cache(maxsize=None)
def player_script():
    """The player's JavaScript: ``player.js``, beside this module."""
    with open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "player.js"), encoding="utf-8",
              newline="") as handle:
        return handle.read()


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
            f"{held}<script>{player_script()}</script>\n</body></html>\n")

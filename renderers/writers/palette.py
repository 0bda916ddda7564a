"""One palette for a whole animation, frames as indices into it, and what changed between two of them.

A GIF and the HTML player store frames the same way: every frame mapped to
one global palette of at most 255 colours (no colour flicker between frames),
the last slot standing for "unchanged", and each frame after the first as the
rectangle that changed.  :func:`source_palette` picks the palette,
:class:`ColourIndex` maps frames to it (in the frame workers, as a writer's
``transform``) and :func:`changed_patch` finds the rectangle.
"""

import numpy as np
from PIL import Image

TRANSPARENT = 255         # the palette index meaning "unchanged since the previous frame"
LUT_BITS = 6              # colour look-up table resolution per channel for quantisation


def gif_palette(sample_frames, required=()):
    """A 255-colour palette (+ the transparent slot) for the whole animation.

    ``required`` colours come first and map to themselves exactly; the rest is
    Pillow's median cut of ``sample_frames``.  One palette for every frame means
    no colour flicker between frames.
    """
    colours = []
    seen = set()
    for colour in np.asarray(required, dtype=np.uint8).reshape(-1, 3):
        key = tuple(int(c) for c in colour)
        if key not in seen and len(colours) < TRANSPARENT:
            seen.add(key)
            colours.append(key)
    if sample_frames:
        strip = Image.fromarray(np.concatenate([np.asarray(f) for f in sample_frames], axis=0))
        cut = strip.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
        counts = sorted(cut.getcolors(256), reverse=True)
        flat = cut.getpalette()[:768]
        for _, index in counts:
            key = tuple(flat[3 * index:3 * index + 3])
            if key not in seen and len(colours) < TRANSPARENT:
                seen.add(key)
                colours.append(key)
    while len(colours) < 256:
        colours.append((0, 0, 0))
    return np.array(colours, dtype=np.uint8)


class ColourIndex:
    """Maps RGB pixels to the nearest palette index through a 6-bit-per-channel table filled lazily.

    Only colours that actually occur are ever searched, once each, so building
    it costs nothing up front; colours in ``required`` map to themselves exactly.
    The transparent slot (the palette's last) is never chosen, so 255, which no
    palette of at most 256 colours can give, marks a cell not searched yet and
    the table stays one byte a cell (a frame's look-up then moves a quarter of
    the bytes a wider table would).
    """

    UNKNOWN = 255

    def __init__(self, palette, required=()):
        self.usable = np.asarray(palette, dtype=np.int32)[:len(palette) - 1]
        self.table = np.full(1 << (3 * LUT_BITS), self.UNKNOWN, dtype=np.uint8)
        required = np.asarray(required, dtype=np.uint8).reshape(-1, 3)
        for colour in required:
            matches = np.flatnonzero((self.usable == colour.astype(np.int32)).all(axis=1))
            if matches.size:
                self.table[_lut_key(colour[None, None, :])[0, 0]] = matches[0]

    def __call__(self, frame):
        keys = _lut_key(frame)
        indices = self.table.take(keys)
        unknown = indices == self.UNKNOWN
        if unknown.any():
            self._learn(np.unique(keys[unknown]))
            indices = self.table.take(keys)
        return indices

    def _learn(self, keys):
        shift = 8 - LUT_BITS
        mask = (1 << LUT_BITS) - 1
        half = 1 << (shift - 1)
        cells = np.stack([(keys >> (2 * LUT_BITS)) & mask, (keys >> LUT_BITS) & mask, keys & mask], axis=1)
        centres = (cells.astype(np.int32) << shift) + half
        for start in range(0, len(keys), 4096):
            chunk = centres[start:start + 4096]
            distance = ((chunk[:, None, :] - self.usable[None, :, :]) ** 2).sum(axis=2)
            self.table[keys[start:start + 4096]] = distance.argmin(axis=1)


def source_palette(source):
    """``(palette, required)`` for a frame source: its ``colours()`` exactly, then the commonest of a few frames.

    The samples are every other pixel of four frames spread over the animation:
    exact colours (no averaging) for a quarter of the work.
    """
    total = len(source)
    samples = [source.frame(i)[::2, ::2] for i in sorted({0, total // 3, (2 * total) // 3, total - 1})]
    required = source.colours()
    return gif_palette(samples, required), required


def changed_patch(indices, previous, transparent):
    """``(left, top, patch)``: the rectangle of ``indices`` that differs from ``previous``, the rest ``transparent``.

    None when nothing changed.  What a GIF and a player page store for every frame after the first.
    """
    changed = indices != previous
    rows = np.flatnonzero(changed.any(axis=1))
    if rows.size == 0:
        return None
    top, bottom = rows[0], rows[-1] + 1
    band = changed[top:bottom]             # the columns are looked for only in the rows that changed
    cols = np.flatnonzero(np.logical_or.reduce(band, axis=0))
    left, right = cols[0], cols[-1] + 1
    patch = indices[top:bottom, left:right].copy()
    np.copyto(patch, np.uint8(transparent), where=~band[:, left:right])
    return int(left), int(top), patch


def _lut_key(frame):
    """Each pixel's table cell: the top ``LUT_BITS`` of red, green and blue side by side, as uint32."""
    top = frame >> (8 - LUT_BITS)                  # still one byte a channel: the shifts below move less
    keys = top[..., 0].astype(np.uint32)
    keys <<= LUT_BITS
    keys |= top[..., 1]
    keys <<= LUT_BITS
    keys |= top[..., 2]
    return keys

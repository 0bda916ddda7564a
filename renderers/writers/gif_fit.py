"""How a GIF meets a byte budget: fewer frames, fewer colours, smaller frames (see :mod:`.budget`)."""

import numpy as np
from PIL import Image

from .budget import Fitter, Stage


class GifFit(Fitter):
    """How a GIF meets a byte budget, in the order that hurts the picture least.

    1. Drop frames evenly, down to half of them: each kept frame stays exact and
       lasts until the next one starts, so the animation keeps its length; the
       motion is coarser, but at 25 fps half the frames still read as motion.
    2. A smaller palette, 128 then 64 colours: the layout's own colours (regions,
       points, text, bars) stay exact; what goes is anti-aliasing shades, and the
       colour table and the image data shrink.
    3. Drop frames down to a quarter.
    4. Scale the frames down (averaging pixels), to half the width at least:
       the last resort, since text becomes hard to read.

    Nothing is drawn again: each attempt re-encodes the palette indices the
    first encode spilled (re-mapped to the smaller palette, or turned back into
    colours, resized and quantised again).
    """

    STAGES = (Stage("frames", lambda start: max(2, start["frames"] // 2)),
              Stage("colours", 64, choices=(128, 64)),
              Stage("frames", lambda start: max(2, start["frames"] // 4)),
              Stage("size", lambda start: max(1, start["size"] // 2)))

    def __init__(self, writer, spill, *, fps, hold, metadata=None):
        super().__init__(writer, spill, fps=fps, hold=hold, metadata=metadata)
        self._palettes = {}
        self._counts = None

    def settings(self):
        return {"frames": len(self.spill), "colours": len(self.writer.palette), "size": self.width}

    def predict(self, knob, points, target):
        if knob == "colours":
            return points[-1][0] / 2                    # the next smaller palette; no model
        return super().predict(knob, points, target)

    def encode(self, settings, path):
        palette, required, mapping = self._palette(settings["colours"])
        width = settings["size"]
        # the writer the fit started from is a GifWriter; its class, so this module need not import it
        writer = type(self.writer)(path, fps=self.fps, hold=self.hold, palette=palette, required=required,
                                   metadata=self.metadata, loop=self.writer.loop)
        colours = self.writer.palette
        with writer:
            for position, frames in self.kept(settings):
                indices = self.spill[position]
                if width == self.width:
                    writer.write_indices(mapping[indices], frames=frames)
                else:
                    # averaging (not Lanczos): fewer new shades, which a GIF's compression would pay for
                    image = Image.fromarray(colours[indices]).resize((width, self.height_at(width)),
                                                                     Image.Resampling.BOX)
                    writer.write(np.asarray(image), frames=frames)

    def _usage(self):
        """How often each palette index occurs over every spilled frame."""
        if self._counts is None:
            counts = np.zeros(256, dtype=np.int64)
            for position in range(len(self.spill)):
                counts += np.bincount(self.spill[position].ravel(), minlength=256)[:256]
            self._counts = counts
        return self._counts

    def _palette(self, entries):
        """``(palette, required colours, old index -> new index)`` for a palette of ``entries`` colours.

        The layout's required colours that occur are kept exactly (the most used
        first, if there are too many); the other slots are a median cut of the
        rest of the used colours, weighted by how often they occur.
        """
        if entries in self._palettes:
            return self._palettes[entries]
        old = self.writer.palette
        if entries >= len(old):
            result = (old, self.writer.required, np.arange(256, dtype=np.uint8))
            self._palettes[entries] = result
            return result
        counts = self._usage()[:len(old) - 1]
        used = np.flatnonzero(counts)
        required = {tuple(int(c) for c in colour) for colour in self.writer.required}
        exact = [i for i in used if tuple(int(c) for c in old[i]) in required]
        exact = sorted(exact, key=lambda i: (-counts[i], i))[:entries - 1]
        rest = [i for i in used if i not in set(exact)]
        colours = [tuple(int(c) for c in old[i]) for i in exact]
        room = entries - 1 - len(colours)
        if rest and room > 0:
            weights = counts[rest].astype(np.float64)
            repeats = np.maximum(1, np.round(weights / weights.sum() * 65536)).astype(np.int64)
            pixels = np.repeat(old[rest], repeats, axis=0)[None, :, :]
            cut = Image.fromarray(np.ascontiguousarray(pixels)).quantize(
                colors=room, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.NONE)
            flat = cut.getpalette()[:3 * room]
            for _, index in sorted(cut.getcolors(room), reverse=True):
                colour = tuple(flat[3 * index:3 * index + 3])
                if colour not in colours:
                    colours.append(colour)
        palette = np.zeros((entries, 3), dtype=np.uint8)
        palette[:len(colours)] = colours
        usable = palette[:len(colours)].astype(np.int32)
        distance = ((old[:, None, :].astype(np.int32) - usable[None, :, :]) ** 2).sum(axis=2)
        mapping = distance.argmin(axis=1).astype(np.uint8)
        mapping = np.concatenate([mapping, np.zeros(256 - len(mapping), dtype=np.uint8)])
        kept = np.array([colours[i] for i in range(len(exact))], dtype=np.uint8).reshape(-1, 3)
        result = (palette, kept, mapping)
        self._palettes[entries] = result
        return result

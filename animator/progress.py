"""A one-line progress bar on stderr, drawn only when stderr is a terminal."""

import sys
import time


class ProgressBar:
    """``bar = ProgressBar(total, "training"); bar.update(done, "loss 1.07"); bar.close()``.

    Redraws at most ten times a second, so calling ``update`` every step is cheap.
    Does nothing when ``enabled`` is false (the default when stderr is not a terminal).
    """

    def __init__(self, total, label, *, enabled=None, stream=None, width=30):
        self.stream = stream or sys.stderr
        self.enabled = self.stream.isatty() if enabled is None else enabled
        self.total = max(int(total), 1)
        self.label = label
        self.width = width
        self.started = time.monotonic()
        self._last_draw = 0.0
        self._drawn = False

    def update(self, done, info=""):
        if not self.enabled:
            return
        now = time.monotonic()
        if now - self._last_draw < 0.1 and done < self.total:
            return
        self._last_draw = now
        fraction = min(done / self.total, 1.0)
        filled = int(round(fraction * self.width))
        elapsed = now - self.started
        eta = elapsed / fraction - elapsed if fraction > 0 else 0.0
        line = (f"\r{self.label} [{'#' * filled}{'.' * (self.width - filled)}] "
                f"{100 * fraction:3.0f}% {elapsed:5.1f}s eta {eta:5.1f}s {info}")
        self.stream.write(line[:200].ljust(80))
        self.stream.flush()
        self._drawn = True

    def close(self):
        if self.enabled and self._drawn:
            self.stream.write("\r" + " " * 80 + "\r")
            self.stream.flush()
            self._drawn = False

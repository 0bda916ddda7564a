"""A one-line progress bar on stderr when it is a terminal, a notebook's own bar in Jupyter (tqdm)."""

import functools
import sys
import threading


@functools.cache
def _text_bar():
    # tqdm is imported when a bar is first shown, not with the commands that may show one (--help needs none)
    from tqdm import tqdm

    class _TextBar(tqdm):
        # No monitor thread: a second thread would make the worker pools spawn instead of fork.
        monitor_interval = 0

    _TextBar.set_lock(threading.RLock())     # tqdm's default also makes a multiprocessing lock; one process draws
    return _TextBar


class ProgressBar:
    """``bar = ProgressBar(total, "training"); bar.update(done, "loss 1.07"); bar.close()``.

    Redraws at most ten times a second, so calling ``update`` every step is cheap.
    Does nothing when ``enabled`` is false; by default it is on when stderr is a
    terminal or the code runs in a Jupyter kernel (a notebook bar there, if
    ipywidgets is installed).
    """

    def __init__(self, total, label, *, enabled=None, stream=None, width=30):
        notebook = stream is None and enabled is None and _in_notebook()
        self.stream = stream or sys.stderr
        self.enabled = (notebook or self.stream.isatty()) if enabled is None else enabled
        self.total = max(int(total), 1)
        self.label = label
        self._bar = None
        if not self.enabled:
            return
        options = dict(total=self.total, desc=label, leave=False, mininterval=0.1)
        if notebook:
            self._bar = _notebook_bar(**options)
        if self._bar is None:
            self._bar = _text_bar()(file=self.stream, ascii=".#", dynamic_ncols=False,
                                 bar_format=f"{{desc}} [{{bar:{width}}}] {{percentage:3.0f}}% "
                                            f"{{elapsed}} eta {{remaining}}{{postfix}}", **options)

    def update(self, done, info=""):
        if self._bar is None:
            return
        done = min(int(done), self.total)
        if info:
            self._bar.set_postfix_str(info, refresh=False)
        self._bar.update(done - self._bar.n)
        if done >= self.total:
            self._bar.refresh()         # the last step is always shown, however soon it came

    def close(self):
        if self._bar is not None:
            self._bar.close()
            self._bar = None


def _in_notebook():
    """True in a Jupyter kernel (IPython running as IPKernelApp), as ``tqdm.auto`` decides."""
    ipython = sys.modules.get("IPython")
    shell = ipython.get_ipython() if ipython is not None and hasattr(ipython, "get_ipython") else None
    return shell is not None and "IPKernelApp" in getattr(shell, "config", {})


def _notebook_bar(**options):
    """tqdm's notebook widget, or None where ipywidgets is missing (the text bar is used instead)."""
    try:
        from tqdm.notebook import tqdm as notebook_tqdm

        class _NotebookBar(notebook_tqdm):
            monitor_interval = 0

        return _NotebookBar(**options)
    except ImportError:
        return None

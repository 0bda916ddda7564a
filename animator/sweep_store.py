"""Where a sweep keeps what it finished: run summaries (so an interrupted sweep resumes) and, if asked, Recordings.

A :class:`RunStore` is a folder of ``run-KEY.npz`` files, one per finished run,
each written atomically as the run arrives (the folder is made with the first).  ``KEY`` is a hash of everything
that decides the run's numbers (its whole :class:`~animator.run.RunConfig`,
the CSV's points, the animator and numpy versions), so a later sweep takes a
stored run only if it would have trained exactly that run, and a changed
setting simply trains anew.  Nothing in the folder is ever deleted.

The folder is data, never authority: anyone may have written into it.  A
stored run is used only if it verifies (:func:`~animator.summary_bytes.read_summary`): bounded in
size before anything is inflated, the arrays of the shapes this run makes,
its full settings this run's, its numbers those of its arrays and the arrays
those of its content hash.  What does not verify is trained again.  (A hash
kept beside the data catches damage and hand edits, not a forger who rewrites
the hash too; the folder is as trustworthy as whoever can write to it.)

The same bytes are what a worker sends back (:mod:`animator.summary_bytes`): plain
arrays and JSON, never a pickle, so a Dask worker cannot run code on the
machine that collects the runs.

A :class:`RecordingFolder` holds whole Recordings (``run_sweep(save_runs=...)``), one per
cell, named by the settings: ``sgd_lr=0.1_momentum=0.9.npz``.
"""

import contextlib
import math
import os

from .errors import UserError
from .fileio import atomic_output, check_writable
from .untrusted import Untrusted, read_bounded
# a run's bytes have their own module; these names stay importable from here, where the sweep's users found them
from .summary_bytes import (FORMAT, META_BYTES, SLACK, read_summary, recording_bytes, run_key,  # noqa: F401
                            settings, summary_bytes, summary_shapes)


def _check_folder(path, what):
    """A one-line error if ``path`` is a file, or could not be created or written; creates nothing."""
    target = os.fspath(path)
    if os.path.exists(target):
        if not os.path.isdir(target):
            raise UserError(f"{target}: exists and is not a directory (it would hold {what})")
        check_writable(os.path.join(target, "probe"))
    else:
        check_writable(target.rstrip(os.sep) or target)
    return target


class RunStore:
    """Finished runs of sweeps, kept in ``directory`` (created when first needed)."""

    def __init__(self, directory):
        self.directory = os.fspath(directory)

    def __repr__(self):
        return f"RunStore({self.directory!r})"

    def prepare(self):
        """Fail now, in one line, if the folder could not hold runs (it is created with the first one)."""
        _check_folder(self.directory, "the finished runs of a sweep")
        return self

    def path(self, task):
        return os.path.join(self.directory, f"run-{run_key(task)}.npz")

    def save(self, task, summary):
        os.makedirs(self.directory, exist_ok=True)
        data = summary_bytes(task, summary)
        with atomic_output(self.path(task)) as temporary:
            with open(temporary, "wb") as handle:
                handle.write(data)

    def load(self, task, classes):
        """The stored :class:`RunSummary` of ``task``, or None if there is none.

        A stored run that does not verify (see :func:`read_summary`) raises
        :class:`~animator.untrusted.Untrusted`: the caller trains it again.
        """
        path = self.path(task)
        if not os.path.lexists(path):
            return None
        what = f"{os.path.basename(self.directory.rstrip(os.sep))}/{os.path.basename(path)}"
        expected = summary_shapes(task, classes)
        limit = sum(math.prod(s) * d.itemsize for s, d in expected.values()) + META_BYTES + SLACK
        data = read_bounded(path, limit, what=what)
        summary, _ = read_summary(data, task, classes, what=what)
        return summary

    def count(self):
        """How many files of finished runs the folder holds (of any sweep)."""
        with contextlib.suppress(OSError):
            return sum(1 for name in os.listdir(self.directory) if name.startswith("run-") and name.endswith(".npz"))
        return 0


def recording_name(spec, names):
    """``sgd_lr=0.1_momentum=0.9.npz``: the optimizer and the swept settings, in the grids' order."""
    values = spec.hyperparameters
    return "_".join([spec.name, *(f"{name}={values[name]!r}" for name in names)]) + ".npz"


class RecordingFolder:
    """Whole Recordings of a sweep's runs, one file per cell; never a file animator did not write for that run.

    The folder's marker ``.animator-runs`` lists every Recording animator wrote
    there with the key of the run it holds (:func:`run_key`: its full settings).
    A name is written only if it is new or listed in the marker (animator wrote
    it); a file of the same name that is not listed is refused before any run,
    with nothing touched.  A listed file counts as this sweep's run only if its
    key is this run's: a Recording from an earlier sweep with other settings is
    trained and written again, never passed off as this sweep's.
    """

    MARKER = ".animator-runs"
    HEADER = "animator sweep runs"
    PENDING = "-"             # the key of a file being replaced: ours, but no run's yet

    def __init__(self, directory):
        self.directory = os.fspath(directory)

    def __repr__(self):
        return f"RecordingFolder({self.directory!r})"

    def prepare(self):
        _check_folder(self.directory, "the sweep's Recordings")
        return self

    def path(self, sweep, cell):
        return os.path.join(self.directory, recording_name(sweep.spec(cell), sweep.names))

    def _listed(self):
        """``{name: key}`` from the marker; empty if there is none or it is not animator's."""
        marker = os.path.join(self.directory, self.MARKER)
        if os.path.islink(marker) or not os.path.isfile(marker):
            return {}
        try:
            lines = read_bounded(marker, 1 << 20, what=self.MARKER).decode("utf-8").splitlines()
        except (UserError, UnicodeDecodeError):
            return {}
        if not lines or lines[0] != self.HEADER:
            return {}
        listed = {}
        for line in lines[1:]:
            key, _, name = line.partition(" ")
            if name and os.sep not in name and not name.startswith("."):
                listed[name] = key
        return listed

    def check(self, sweep, tasks):
        """Refuse, in one line and before any run, a file of a run's name that animator did not write here."""
        if not os.path.isdir(self.directory):
            return
        listed = self._listed()
        for task in tasks:
            path = self.path(sweep, task.cell)
            name = os.path.basename(path)
            if not os.path.lexists(path):
                continue
            if os.path.islink(path) or not os.path.isfile(path) or name not in listed:
                raise UserError(f"{path}: exists and is not a Recording animator saved here; "
                                f"give a new folder or move the file")

    def has(self, sweep, task):
        """Whether the folder holds ``task``'s Recording, written by animator for exactly this run."""
        path = self.path(sweep, task.cell)
        return os.path.isfile(path) and self._listed().get(os.path.basename(path)) == run_key(task)

    def _mark(self, name, key):
        listed = self._listed()
        listed[name] = key
        text = "\n".join([self.HEADER, *(f"{k} {n}" for n, k in sorted(listed.items()))]) + "\n"
        with atomic_output(os.path.join(self.directory, self.MARKER)) as temporary:
            with open(temporary, "w", encoding="utf-8") as handle:
                handle.write(text)

    def save(self, sweep, task, recording, *, what):
        """Write ``recording`` (a Recording file's bytes) for ``task`` once it reads back as one."""
        from .recording import Recording

        path = self.path(sweep, task.cell)
        name = os.path.basename(path)
        os.makedirs(self.directory, exist_ok=True)
        if os.path.lexists(path) and (os.path.islink(path) or name not in self._listed()):
            raise UserError(f"{path}: exists and is not a Recording animator saved here; "
                            f"give a new folder or move the file")
        with atomic_output(path) as temporary:
            with open(temporary, "wb") as handle:
                handle.write(recording)
            try:
                Recording.load(temporary)
            except UserError as error:
                raise Untrusted(f"{what}: its Recording does not read back "
                                f"({str(error).replace(temporary, 'the file')})") from None
            self._mark(name, self.PENDING)       # ours from now on, but no run's until it is in place
        self._mark(name, run_key(task))

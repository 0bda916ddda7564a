"""pytest fixtures that fail when a run or a frame changes: ``recording_snapshot`` and ``frame_snapshot``.

Installed with the package (entry point ``pytest11``), so any test can use them::

    from animator import RunConfig, train

    def test_sgd_with_momentum(recording_snapshot, frame_snapshot):
        recording = train(RunConfig(epochs=300, hyperparameters={"momentum": 0.9}))
        recording_snapshot.assert_match(recording)             # loss, accuracy, lr, weights, updates
        frame_snapshot.assert_match(recording, frame="last")   # the last frame, pixel by pixel

``pytest --snapshot-update`` writes the missing snapshots and rewrites those
that differ (one that still matches is left alone, byte for byte); without it a
missing snapshot fails with that hint.  Snapshots live beside the test module,
as syrupy keeps single-file snapshots: ``__snapshots__/<module>/<test>.npz``
and ``.png``; a second call in the same test adds ``.1``, ``.2``, ... to the
name, and ``name="..."`` gives ``<test>[...]``.

A recording snapshot is an :class:`animator.testing.snapshot.RecordingSnapshot`,
compared with ``rtol`` and ``atol`` as :func:`numpy.isclose` and
pytest-regressions do (defaults 1e-5 and 1e-8; per array with ``tolerances``).
A frame is compared by its RMS difference over the RGB values (0-255), as
pytest-mpl does; the default tolerance is 1.0, half pytest-mpl's 2, because one
changed number in a 640x360 frame's caption measures about 3.  On failure the
expected, actual and diff images are written to the results folder
(``--snapshot-results DIR``, by default ``animator-snapshots/`` in pytest's
temporary folder) and the message gives the diff image's path.

Frames for snapshots are drawn the same way on every machine: a Recording's at
640x360 on Agg with matplotlib's default settings (whatever a matplotlibrc or
style says) and the DejaVu Sans bundled with matplotlib.  What still changes
pixels is the rasteriser: matplotlib's and Pillow's versions (and the FreeType
each was built with), and numpy's, through the trained numbers.  A failure
says which of those versions differ from the snapshot's.

``--snapshot-update`` is the flag syrupy defines too, with the same ``dest``:
when syrupy is installed it defines the flag, and one ``--snapshot-update``
updates both kinds of snapshots.

PYTEST_DONT_REWRITE: the plugin words its own failures, so pytest need not rewrite its asserts.
"""

import argparse
import contextlib
import importlib.metadata
import io
import json
import os
import unicodedata
from pathlib import Path

import numpy as np
import pytest

from animator.fileio import atomic_output
from animator.untrusted import load_json
from animator.recording import Recording
from animator.testing.snapshot import (ATOL, LAYER_EPOCHS, RTOL, RecordingSnapshot, SnapshotError, compare,
                                       version_changes)

SNAPSHOTS = "__snapshots__"
SUFFIXES = ("npz", "png")   # a recording snapshot's file type, a frame snapshot's
FRAME_SIZE = (640, 360)
FRAME_TOLERANCE = 1.0
RESULTS = "animator-snapshots"
UPDATE_HINT = "run pytest --snapshot-update"
_PNG_KEY = "animator-snapshot"
_REPORT = pytest.StashKey[dict]()
_INI = {  # name: (help, default)
    "animator_snapshot_rtol": ("relative tolerance of recording_snapshot (numpy.isclose's rtol)", str(RTOL)),
    "animator_snapshot_atol": ("absolute tolerance of recording_snapshot (numpy.isclose's atol)", str(ATOL)),
    "animator_snapshot_layer_epochs": ("epochs whose layer arrays a recording snapshot keeps", str(LAYER_EPOCHS)),
    "animator_frame_tolerance": ("RMS tolerance of frame_snapshot, on the 0-255 scale", str(FRAME_TOLERANCE)),
}


# -- options -------------------------------------------------------------------------------------

def pytest_addoption(parser, pluginmanager):
    group = parser.getgroup("animator", "animator snapshots (recording_snapshot, frame_snapshot)")
    if not _syrupy_defines_update(pluginmanager):
        try:
            group.addoption("--snapshot-update", action="store_true", default=False, dest="update_snapshots",
                            help="write missing snapshots and rewrite those that differ")
        except (ValueError, argparse.ArgumentError):
            pass    # another plugin defines it; it is read by its dest below
    group.addoption("--snapshot-results", metavar="DIR", default=None, dest="animator_snapshot_results",
                    help=f"where failing frame and recording snapshots write expected, actual and diff files "
                         f"(default: {RESULTS}/ in pytest's temporary folder)")
    for name, (text, default) in _INI.items():
        parser.addini(name, f"{text} (default {default})", default=default)


def _syrupy_defines_update(pluginmanager):
    """Whether syrupy has registered, or will register in this session, its own ``--snapshot-update``.

    Two plugins adding the same flag stop pytest, so ours is added only when
    syrupy's will not be.  syrupy comes in by its entry point (unless autoload is
    off), by ``-p syrupy`` or by ``PYTEST_PLUGINS``, and not when ``-p no:syrupy``.
    """
    if pluginmanager.is_blocked("syrupy"):
        return False
    if pluginmanager.has_plugin("syrupy"):
        return True
    config = pluginmanager.get_plugin("pytestconfig")
    autoload = not os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD") and not getattr(
        getattr(config, "known_args_namespace", None), "disable_plugin_autoload", False)
    if autoload and "syrupy" in entry_point_names("pytest11"):
        return True
    args = [str(a) for a in getattr(getattr(config, "invocation_params", None), "args", ())]
    asked = {b for a, b in zip(args, args[1:]) if a == "-p"} | {a[2:] for a in args if a.startswith("-p")}
    asked |= set(os.environ.get("PYTEST_PLUGINS", "").replace(" ", "").split(","))
    return "syrupy" in asked


def pytest_configure(config):
    # syrupy owns __snapshots__/: on --snapshot-update it deletes every file there it does not know.
    # Keep it away from ours (it then leaves its own unused .png snapshots alone too).
    if config.pluginmanager.has_plugin("syrupy") and hasattr(config.option, "ignore_file_extensions"):
        ignored = list(config.option.ignore_file_extensions or [])
        config.option.ignore_file_extensions = ignored + [e for e in SUFFIXES if e not in ignored]


def entry_point_names(group):
    """The names of the installed entry points in ``group`` (Python 3.9's ``entry_points()`` is a dict)."""
    found = importlib.metadata.entry_points()
    chosen = found.select(group=group) if hasattr(found, "select") else found.get(group, ())
    return {entry.name for entry in chosen}


def _updating(config):
    # syrupy's dest, and pytest-snapshot's, whichever plugin defined the flag
    return bool(getattr(config.option, "update_snapshots", False) or getattr(config.option, "snapshot_update", False))


def _ini_float(config, name):
    value = config.getini(name)
    try:
        return float(value)
    except (TypeError, ValueError):
        raise pytest.UsageError(f"{name} = {value!r} in the pytest configuration is not a number") from None


# -- fixtures ------------------------------------------------------------------------------------

@pytest.fixture
def recording_snapshot(request, tmp_path_factory):
    """Compare a Recording with ``__snapshots__/<module>/<test>.npz``: ``.assert_match(recording)``."""
    return RecordingSnapshotFixture(_Place(request, tmp_path_factory))


@pytest.fixture
def frame_snapshot(request, tmp_path_factory):
    """Compare one frame with ``__snapshots__/<module>/<test>.png``: ``frame_snapshot.assert_match(recording)``."""
    return FrameSnapshotFixture(_Place(request, tmp_path_factory))


class _Place:
    """Where one test's snapshots and failure files go, and the session's report of them."""

    def __init__(self, request, tmp_path_factory):
        self.config = request.config
        module = Path(request.node.path)
        self.directory = module.parent / SNAPSHOTS / module.stem
        qualified = (f"{request.cls.__name__}." if request.cls is not None else "") + request.node.name
        self.test = _clean(qualified)
        self.used = set()
        self.calls = {}
        self.update = _updating(request.config)
        self._factory = tmp_path_factory
        self._module = module
        self.report = request.config.stash.setdefault(_REPORT, {"written": [], "updated": [], "unchanged": [],
                                                                 "missing": [], "failed": []})

    def path(self, suffix, name):
        """The snapshot file of this call: ``<test>``, then ``<test>.1``, ...; ``<test>[name]`` when named."""
        if name is not None:
            stem = _clean(f"{self.test}[{name}]")
        else:
            count = self.calls.get(suffix, 0)
            self.calls[suffix] = count + 1
            stem = self.test if count == 0 else f"{self.test}.{count}"
        if (stem, suffix) in self.used:
            raise ValueError(f"the snapshot name {stem!r} is used twice in this test; give each call its own name=")
        self.used.add((stem, suffix))
        return self.directory / f"{stem}{suffix}"

    def results(self, snapshot, suffix):
        """Where ``snapshot``'s failure file ending in ``suffix`` goes (``<results>/<module>/<name><suffix>``)."""
        option = self.config.getoption("animator_snapshot_results", None)
        root = Path(option) if option else self._factory.getbasetemp() / RESULTS
        try:
            inside = self._module.parent.relative_to(self.config.rootpath) / self._module.stem
        except ValueError:
            inside = Path(self._module.stem)
        folder = (root / inside).resolve()
        folder.mkdir(parents=True, exist_ok=True)
        self.report["results"] = str(root.resolve())
        return folder / f"{snapshot.stem}{suffix}"

    def shown(self, path):
        """``path`` relative to pytest's rootdir when it is inside it."""
        try:
            return str(Path(path).relative_to(self.config.rootpath))
        except ValueError:
            return str(path)

    def wrote(self, path, existed):
        self.report["updated" if existed else "written"].append(self.shown(path))


class RecordingSnapshotFixture:
    """The ``recording_snapshot`` fixture."""

    def __init__(self, place):
        self._place = place

    def assert_match(self, recording, *, name=None, rtol=None, atol=None, tolerances=None, layer_epochs=None):
        """Fail unless ``recording`` matches this test's snapshot; with ``--snapshot-update``, write it instead.

        Compared are the run's settings and data, the loss, accuracy and
        learning rate of every epoch, and the layers' weights, biases and updates
        at the snapshot's epochs, within ``atol + rtol * |expected|``
        (defaults from the ini options ``animator_snapshot_rtol`` and
        ``animator_snapshot_atol``: 1e-5 and 1e-8).  ``tolerances`` sets them per
        array: ``{"learning_rate": {"rtol": 0}, "dense*.weight_updates": {"atol": 1e-6}}``.
        The failure names the first differing epoch and array.
        ``layer_epochs`` is how many epochs' layer arrays a new snapshot keeps
        (ini ``animator_snapshot_layer_epochs``, 50).  ``name`` names the
        snapshot when a test makes several.
        """
        __tracebackhide__ = True
        if not isinstance(recording, Recording):
            raise TypeError(f"recording_snapshot.assert_match takes an animator Recording, "
                            f"not {type(recording).__name__}")
        place = self._place
        config = place.config
        rtol = _ini_float(config, "animator_snapshot_rtol") if rtol is None else rtol
        atol = _ini_float(config, "animator_snapshot_atol") if atol is None else atol
        if layer_epochs is None:
            layer_epochs = int(_ini_float(config, "animator_snapshot_layer_epochs"))
        path = place.path(".npz", name)
        shown = place.shown(path)
        expected, problem = None, None
        if path.exists():
            try:
                expected = RecordingSnapshot.load(path)
            except SnapshotError as error:
                problem = f"{shown}: {error.problem}; {UPDATE_HINT} to rewrite it"
        if expected is not None:
            mismatch = compare(recording, expected, rtol=rtol, atol=atol, tolerances=tolerances)
            if mismatch is None:
                place.report["unchanged"].append(shown)
                return
            if not place.update:
                actual = place.results(path, ".actual.npz")
                RecordingSnapshot.of(recording, layer_epochs=layer_epochs).save(actual)
                place.report["failed"].append(shown)
                details = "\n".join(f"  {line}" for line in mismatch.describe().splitlines())
                raise AssertionError(f"the run differs from its snapshot {shown} (rtol={rtol:g}, atol={atol:g}):\n"
                                     f"{details}\nthis run's snapshot: {actual}\n"
                                     f"{UPDATE_HINT} to accept this run")
        elif not place.update:
            place.report["failed" if problem else "missing"].append(shown)
            raise AssertionError(problem or f"no snapshot {shown}; {UPDATE_HINT} to create it")
        existed = path.exists()
        path.parent.mkdir(parents=True, exist_ok=True)
        RecordingSnapshot.of(recording, layer_epochs=layer_epochs).save(path)
        place.wrote(path, existed)


class FrameSnapshotFixture:
    """The ``frame_snapshot`` fixture."""

    def __init__(self, place):
        self._place = place

    def assert_match(self, source, frame="last", *, index=None, name=None, tolerance=None, size=FRAME_SIZE,
                     theme="default"):
        """Fail unless a frame of ``source`` matches this test's PNG snapshot; with ``--snapshot-update``, write it.

        ``source`` is a Recording (drawn by the training layout at ``size``,
        640x360 unless given, in ``theme``), a layout or any other frame
        source (``renderers.layout.FrameSource``), or an ``Animation`` that
        ``renderers.render`` wrote (its frames read back from the file).
        ``frame`` is ``"first"``, ``"last"`` or an epoch, as for ``animator
        render --frame``; ``index`` picks a frame by position instead (an
        Animation file knows no epochs).  The frame matches when the RMS of its
        RGB differences (0-255) is at most ``tolerance`` (ini
        ``animator_frame_tolerance``, 1.0).  On failure the expected, actual
        and diff images are written and the message gives the diff's path.
        """
        __tracebackhide__ = True
        place = self._place
        tolerance = _ini_float(place.config, "animator_frame_tolerance") if tolerance is None else tolerance
        image, label = frame_of(source, frame, index=index, size=size, theme=theme)
        path = place.path(".png", name)
        shown = place.shown(path)
        expected, made_with, problem = None, {}, None
        if path.exists():
            try:
                expected, made_with = _read_png(path)
            except (OSError, ValueError) as error:
                problem = f"{shown}: not a readable PNG snapshot ({error}); {UPDATE_HINT} to rewrite it"
        if expected is not None:
            verdict = _frame_verdict(image, expected, tolerance)
            if verdict is None:
                place.report["unchanged"].append(shown)
                return
            if not place.update:
                files = {kind: place.results(path, f".{kind}.png") for kind in ("expected", "actual", "diff")}
                _write_png(files["expected"], expected)
                _write_png(files["actual"], image)
                lines = [f"{label} differs from its snapshot {shown}: {verdict}"]
                if image.shape == expected.shape:
                    _write_png(files["diff"], diff_image(image, expected))
                    lines.append(f"diff image: {files['diff']} (expected and actual beside it)")
                else:
                    lines.append(f"expected and actual images: {files['expected']}, {files['actual']}")
                changed = version_changes(versions(), made_with) if made_with else ""
                if changed:
                    lines.append(f"versions differ from the snapshot's: {changed}")
                lines.append(f"{UPDATE_HINT} to accept the new frame")
                place.report["failed"].append(shown)
                raise AssertionError("\n".join(lines))
        elif not place.update:
            actual = place.results(path, ".actual.png")
            _write_png(actual, image)
            place.report["failed" if problem else "missing"].append(shown)
            raise AssertionError((problem or f"no snapshot {shown}; {UPDATE_HINT} to create it")
                                 + f"\nthis run's frame: {actual}")
        path.parent.mkdir(parents=True, exist_ok=True)
        existed = path.exists()
        _write_png(path, image, versions())
        place.wrote(path, existed)


# -- frames --------------------------------------------------------------------------------------

@contextlib.contextmanager
def pinned():
    """matplotlib's default settings, whatever a matplotlibrc or style says: the bundled DejaVu Sans, Agg."""
    import matplotlib.style

    with matplotlib.style.context("default"):
        yield


def frame_of(source, frame="last", *, index=None, size=FRAME_SIZE, theme="default"):
    """``(image, label)``: the (H, W, 3) uint8 frame of ``source`` that ``frame`` or ``index`` picks, and its name."""
    from renderers.layout import FrameSource
    from renderers.render import Animation
    from renderers.training import TrainingAnimation
    from renderers.writers import pick_frame

    if isinstance(source, Animation):
        return _file_frame(source, frame, index)
    with pinned():
        if isinstance(source, Recording):
            source = TrainingAnimation(source, size=tuple(size), theme=theme)
        elif not isinstance(source, FrameSource):
            raise TypeError(f"frame_snapshot.assert_match takes a Recording, a layout or an Animation, "
                            f"not {type(source).__name__}")
        position = _position(len(source), index) if index is not None else pick_frame(source, frame)
        image = np.asarray(source.frame(position))
    shows = "epoch" if isinstance(source, TrainingAnimation) else "epoch or step"
    return image, f"frame {position} ({shows} {int(source.epochs[position])})"


def _position(count, index):
    if not -count <= index < count:
        raise IndexError(f"index {index} is out of range: the source has {count} frames")
    return index % count


def _file_frame(animation, frame, index):
    """A frame read back from the file an :class:`~renderers.render.Animation` names, by its format's writer."""
    from renderers.writers import writer_named

    if index is None:
        if frame not in ("first", "last", None):
            raise ValueError(f"frame={frame!r}: an Animation file does not know its frames' epochs; "
                             f"pass index= or frame='first' / 'last'")
        index = 0 if frame == "first" else -1
    position = _position(animation.frames, index)
    image = writer_named(animation.kind).read_frame(animation.path, position)
    return image, f"frame {position} of {os.path.basename(os.path.normpath(animation.path))}"


def _frame_verdict(actual, expected, tolerance):
    """None when the frames match, else why not, in a few words."""
    if actual.shape != expected.shape:
        return (f"the frame is {actual.shape[1]}x{actual.shape[0]} where the snapshot is "
                f"{expected.shape[1]}x{expected.shape[0]}")
    rms = float(np.sqrt(np.mean((actual.astype(np.float64) - expected.astype(np.float64)) ** 2)))
    if rms <= tolerance:
        return None
    differs = np.abs(actual.astype(np.int16) - expected).max(axis=2) > 0
    rows, cols = np.nonzero(differs)
    return (f"RMS {rms:.2f} > tolerance {tolerance:g} (RGB, 0-255); {int(differs.sum())} pixels differ, "
            f"within x {cols.min()}-{cols.max()}, y {rows.min()}-{rows.max()}")


def diff_image(actual, expected):
    """The expected frame faded to light grey, with every differing pixel red (darker red: larger difference)."""
    grey = expected.astype(np.float64).mean(axis=2, keepdims=True)
    faded = np.repeat(255 - (255 - grey) * 0.3, 3, axis=2)
    gap = np.abs(actual.astype(np.int16) - expected).max(axis=2)
    strength = np.where(gap > 0, np.clip(gap / 64, 0.35, 1.0), 0.0)[..., None]
    red = np.array([200.0, 0.0, 0.0])
    return np.rint(faded * (1 - strength) + red * strength).astype(np.uint8)


def versions():
    """The versions that decide a frame's pixels: numpy, matplotlib and Pillow, and the FreeType of each."""
    from matplotlib import ft2font
    from PIL import features

    from animator.versions import library_versions, run_versions

    engine, drawing = run_versions(), library_versions("matplotlib", "PIL")
    return {"animator": engine["animator"], "numpy": engine["numpy"], "matplotlib": drawing["matplotlib"],
            "FreeType (matplotlib)": ft2font.__freetype_version__, "Pillow": drawing["PIL"],
            "FreeType (Pillow)": features.version("freetype2") or "none"}


def _write_png(path, image, made_with=None):
    """``image`` as a PNG, atomically; ``made_with`` (versions) goes into a text chunk of the snapshot."""
    from PIL import Image, PngImagePlugin

    info = None
    if made_with is not None:
        info = PngImagePlugin.PngInfo()
        info.add_text(_PNG_KEY, json.dumps({"versions": made_with}, sort_keys=True))
    buffer = io.BytesIO()
    Image.fromarray(np.ascontiguousarray(image)).save(buffer, format="PNG", optimize=True, pnginfo=info)
    with atomic_output(path) as temporary:
        Path(temporary).write_bytes(buffer.getvalue())


def _read_png(path):
    """``(image, versions)`` of a PNG snapshot (versions empty when the file has none)."""
    from PIL import Image

    with Image.open(path) as png:
        png.load()
        image = np.asarray(png.convert("RGB"))
        text = getattr(png, "text", {}).get(_PNG_KEY)
    try:
        made_with = load_json(text, what=path)["versions"] if text else {}
    except (ValueError, KeyError, TypeError):
        made_with = {}
    if not isinstance(made_with, dict):
        made_with = {}
    return image, made_with


# -- names and the summary -----------------------------------------------------------------------

def _clean(name):
    """A file name from a test name, as syrupy makes it: no ``\\ / ? * : | " < >`` or control characters."""
    kept = "".join(c for c in name if c not in '\\/?*:|"<>' and not unicodedata.category(c).startswith("C"))
    return kept[:200]


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    report = config.stash.get(_REPORT, None)
    if not report or not (report["written"] or report["updated"] or report["missing"] or report["failed"]
                          or (_updating(config) and report["unchanged"])):
        return
    terminalreporter.write_sep("-", "animator snapshots")
    for verb in ("written", "updated"):
        for path in report[verb]:
            terminalreporter.write_line(f"{verb} {path}")
    counts = ", ".join(f"{len(report[key])} {key}" for key in ("written", "updated", "unchanged", "missing", "failed")
                       if report[key])
    terminalreporter.write_line(counts)
    if report.get("results"):
        terminalreporter.write_line(f"what the failing tests made (actual, expected, diff) is in {report['results']}")
    if report["missing"] or report["failed"]:
        terminalreporter.write_line(f"{UPDATE_HINT} to accept the new runs and frames")

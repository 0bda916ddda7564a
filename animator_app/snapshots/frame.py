"""What the ``frame_snapshot`` fixture does: fail when a frame's pixels change.

A frame is compared by its RMS difference over the RGB values (0-255), as
pytest-mpl does; on failure the expected, actual and diff images are written
to the results folder and the message gives the diff image's path.

PYTEST_DONT_REWRITE: the plugin words its own failures.
"""

from animator.testing.snapshot import version_changes

from .files import FRAME, is_png_snapshot, read_png, write_png
from .frames import FRAME_SIZE, diff_image, frame_verdict, picture, versions
from .options import ini_float
from .report import UPDATE_HINT


class FrameSnapshotFixture:
    """The ``frame_snapshot`` fixture."""

    def __init__(self, place):
        self._place = place

    def assert_match(self, source, frame="last", *, index=None, name=None, tolerance=None, size=FRAME_SIZE,
                     theme="default"):
        """Fail unless a frame of ``source`` matches this test's PNG snapshot; with ``--snapshot-update``, write it.

        ``source`` is a Recording, a race (``RaceResult``) or a descent
        (``Trajectory``, or ``{label: Trajectory}`` of 2-D descents), drawn by
        their layouts at ``size`` (640x360 unless given) in ``theme``; a layout
        or any other frame source (``renderers.layout.FrameSource``); an
        ``Animation`` that ``renderers.render`` wrote, or the path of any file
        animator writes (its frames read back by its format's writer); an
        image (a numpy array: grey, RGB or RGBA, 0-255 or 0-1) or a matplotlib
        Figure (drawn by Agg).  ``frame`` is ``"first"``, ``"last"`` or an
        epoch (a step for a descent), as for ``animator render --frame``;
        ``index`` picks a frame by position instead (a file knows no epochs).  The frame matches when the RMS of its
        RGB differences (0-255) is at most ``tolerance`` (ini
        ``animator_frame_tolerance``, 1.0).  On failure the expected, actual
        and diff images are written and the message gives the diff's path.
        """
        __tracebackhide__ = True
        place = self._place
        tolerance = ini_float(place.config, "animator_frame_tolerance") if tolerance is None else tolerance
        image, label, decoders = picture(source, frame, index=index, size=size, theme=theme)
        made_now = {**versions(), **decoders}
        path = place.path(FRAME, name)
        stored = place.stored(path, is_png_snapshot)
        shown = place.shown(stored)
        expected, made_with, problem = None, {}, None
        if stored.exists():
            try:
                expected, made_with = read_png(stored)
            except (OSError, ValueError) as error:
                problem = f"{shown}: not a readable PNG snapshot ({error}); {UPDATE_HINT} to rewrite it"
        if expected is not None:
            verdict = frame_verdict(image, expected, tolerance)
            if verdict is None and not (place.update and stored != path):
                place.report["unchanged"].append(shown)
                return
            if verdict is not None and not place.update:
                files = {kind: place.results(path, f".{kind}{FRAME}") for kind in ("expected", "actual", "diff")}
                write_png(files["expected"], expected)
                write_png(files["actual"], image)
                lines = [f"{label} differs from its snapshot {shown}: {verdict}"]
                if image.shape == expected.shape:
                    write_png(files["diff"], diff_image(image, expected))
                    lines.append(f"diff image: {files['diff']} (expected and actual beside it)")
                else:
                    lines.append(f"expected and actual images: {files['expected']}, {files['actual']}")
                changed = version_changes(made_now, made_with) if made_with else ""
                if changed:
                    lines.append(f"versions differ from the snapshot's: {changed}")
                lines.append(f"{UPDATE_HINT} to accept the new frame")
                place.report["failed"].append(shown)
                raise AssertionError("\n".join(lines))
        elif not place.update:
            actual = place.results(path, ".actual" + FRAME)
            write_png(actual, image)
            place.report["failed" if problem else "missing"].append(shown)
            raise AssertionError((problem or f"no snapshot {shown}; {UPDATE_HINT} to create it")
                                 + f"\nthis run's frame: {actual}")
        path.parent.mkdir(parents=True, exist_ok=True)
        existed = path.exists()
        write_png(path, image, made_now)
        place.wrote(path, existed, stored)

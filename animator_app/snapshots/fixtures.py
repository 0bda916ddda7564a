"""The two fixtures, light to import: what they compare with is imported when a test first asks for one.

pytest imports the plugin at every start in any project where animator is
installed, so the plugin's modules import neither numpy nor the engine.
"""

import pytest


@pytest.fixture
def frame_snapshot(request, tmp_path_factory):
    """Compare one frame with ``__animator_snapshots__/<module>/<test>.png``: ``.assert_match(recording)``."""
    from .files import Place
    from .frame import FrameSnapshotFixture

    return FrameSnapshotFixture(Place(request, tmp_path_factory))


@pytest.fixture
def recording_snapshot(request, tmp_path_factory):
    """Compare a run, race or descent with ``__animator_snapshots__/<module>/<test>.npz``: ``.assert_match(run)``."""
    from .files import Place
    from .recording import RecordingSnapshotFixture

    return RecordingSnapshotFixture(Place(request, tmp_path_factory))

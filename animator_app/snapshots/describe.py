"""What a snapshot file says, for ``animator info``: a run, race or descent snapshot, or a frame snapshot."""

import os

from animator.testing.snapshot import RecordingSnapshot, SnapshotError

from .files import FRAME, RECORDING, is_png_snapshot, read_png
from .runs import RUN


def describe_snapshot(path):
    """The description of the snapshot file ``path`` (as ``info`` prints files'), or None if it is not one."""
    name = os.fspath(path)
    if os.path.isdir(name):
        return None
    if name.lower().endswith(RECORDING):
        try:
            snapshot = RecordingSnapshot.load(name)
        except SnapshotError:
            return None
        info = snapshot.info
        kind = info.get("kind", RUN)
        spec = {key: value for key, value in info.items() if key not in ("format", "versions")}
        spec["arrays"] = {key: list(array.shape) for key, array in sorted(snapshot.arrays.items())}
        return _described(f"{kind} snapshot", f"{kind} snapshot of {_epochs(snapshot)}", info.get("versions"), spec)
    if name.lower().endswith(FRAME) and is_png_snapshot(name):
        image, versions = read_png(name)
        return _described("frame snapshot", f"frame snapshot, {image.shape[1]}x{image.shape[0]}", versions,
                          {"size": [image.shape[1], image.shape[0]], "versions": versions})
    return None


def _epochs(snapshot):
    if "loss" in snapshot.arrays:
        return f"{len(snapshot.arrays['loss'])} epochs"
    if "updates" in snapshot.arrays:
        return f"{len(snapshot.arrays['updates'])} steps"
    return f"{len(snapshot.info.get('entrants', []))} entrants"


def _described(kind, caption, versions, spec):
    versions = versions if isinstance(versions, dict) else {}
    return {"animator": str(versions.get("animator", "?")), "kind": kind, "caption": caption, "command": None,
            "spec": spec}

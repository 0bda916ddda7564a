"""The snapshot files: where a test's snapshots and failure files go, their names, and PNG frames.

Snapshots live beside the test module in a folder of their own,
``__animator_snapshots__/<module>/<test>.npz`` and ``.png``, named as syrupy
names single-file snapshots; a second call in the same test adds ``.1``,
``.2``, ... to the name, and ``name="..."`` gives ``<test>[...]``.  The folder
is not syrupy's ``__snapshots__`` (syrupy deletes files it does not know there,
and telling it to skip ours would hide the user's own ``.png`` snapshots from
its unused check); a snapshot still in ``__snapshots__/<module>/``, where
animator kept them before, is read from there and moved by ``--snapshot-update``.
A PNG snapshot carries the versions that drew it in a text chunk.
"""

import io
import json
from pathlib import Path

import numpy as np

from animator.fileio import atomic_output
from animator.errors import UserError
from animator.untrusted import load_json, open_input

from .options import RESULTS, updating
from .session import claim, clean, folder_of, tally, test_stem  # noqa: F401 (clean: the old import path)

LEGACY = "__snapshots__"    # where animator kept snapshots before they had a folder of their own
RECORDING = ".npz"          # a recording snapshot's suffix
FRAME = ".png"              # a frame snapshot's: frames are stored as PNG files, whatever was rendered
_PNG_KEY = "animator-snapshot"


class Place:
    """Where one test's snapshots and failure files go, and the session's report of them."""

    def __init__(self, request, tmp_path_factory):
        self.config = request.config
        self.nodeid = request.node.nodeid
        module = Path(request.node.path)
        self.directory = folder_of(module)
        self._legacy = module.parent / LEGACY / module.stem
        self.test = test_stem(request.node)
        self.used = set()
        self.calls = {}
        self.update = updating(request.config)
        self._factory = tmp_path_factory
        self._module = module
        self.report = tally(request.config).report

    def path(self, suffix, name):
        """The snapshot file of this call: ``<test>``, then ``<test>.1``, ...; ``<test>[name]`` when named."""
        if name is not None:
            stem = clean(f"{self.test}[{name}]")
        else:
            count = self.calls.get(suffix, 0)
            self.calls[suffix] = count + 1
            stem = self.test if count == 0 else f"{self.test}.{count}"
        if (stem, suffix) in self.used:
            raise ValueError(f"the snapshot name {stem!r} is used twice in this test; give each call its own name=")
        self.used.add((stem, suffix))
        claim(self.config, self.nodeid, self.directory, f"{stem}{suffix}")
        return self.directory / f"{stem}{suffix}"

    def stored(self, path, ours):
        """The file that holds ``path``'s snapshot: ``path``, else an old one of ours (``ours(file)``) in
        ``__snapshots__/<module>/``, else ``path`` (missing)."""
        old = self._legacy / path.name
        if not path.exists() and old.is_file() and ours(old):
            tally(self.config).used.add(str(old))
            return old
        return path

    def results(self, snapshot, suffix):
        """Where ``snapshot``'s failure file ending in ``suffix`` goes (``<results>/<module>/<name><suffix>``).

        One folder for the session: under pytest-xdist a worker's temporary folder
        is one level inside the session's, so every worker writes to the same one.
        """
        option = self.config.getoption("animator_snapshot_results", None)
        base = self._factory.getbasetemp()
        if hasattr(self.config, "workerinput"):
            base = base.parent
        root = Path(option) if option else base / RESULTS
        try:
            inside = self._module.parent.relative_to(self.config.rootpath) / self._module.stem
        except ValueError:
            inside = Path(self._module.stem)
        folder = (root / inside).resolve()
        folder.mkdir(parents=True, exist_ok=True)
        tally(self.config).results = str(root.resolve())
        return folder / f"{snapshot.stem}{suffix}"

    def shown(self, path):
        """``path`` relative to pytest's rootdir when it is inside it."""
        try:
            return str(Path(path).relative_to(self.config.rootpath))
        except ValueError:
            return str(path)

    def wrote(self, path, existed, stored=None):
        """Record a written snapshot; one read from the old folder (``stored``) is removed from there."""
        if stored is not None and stored != path:
            stored.unlink(missing_ok=True)
            self.report["moved"].append(self.shown(path))
        else:
            self.report["updated" if existed else "written"].append(self.shown(path))


def write_png(path, image, made_with=None):
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


def is_png_snapshot(path):
    """Whether ``path`` is a PNG that animator wrote as a snapshot (it carries the versions that drew it)."""
    from PIL import Image

    try:
        with open_input(path) as handle, Image.open(handle) as png:      # a FIFO or a device: not one, at once
            return _PNG_KEY in getattr(png, "text", {})
    except (OSError, ValueError, UserError):
        return False


def read_png(path):
    """``(image, versions)`` of a PNG snapshot (versions empty when the file has none)."""
    from PIL import Image

    with open_input(path) as handle, Image.open(handle) as png:
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

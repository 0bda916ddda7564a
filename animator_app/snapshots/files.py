"""The snapshot files: where a test's snapshots and failure files go, their names and types, and PNG frames.

Snapshots live beside the test module, as syrupy keeps single-file snapshots:
``__snapshots__/<module>/<test>.npz`` and ``.png``; a second call in the same
test adds ``.1``, ``.2``, ... to the name, and ``name="..."`` gives
``<test>[...]``.  A PNG snapshot carries the versions that drew it in a text chunk.
"""

import io
import json
import unicodedata
from pathlib import Path

import numpy as np

from animator.fileio import atomic_output
from animator.untrusted import load_json

from .options import RESULTS, updating
from .report import new_report

SNAPSHOTS = "__snapshots__"
SUFFIXES = ("npz", "png")   # a recording snapshot's file type, a frame snapshot's
RECORDING = ".npz"          # a recording snapshot's suffix
FRAME = ".png"              # a frame snapshot's: frames are stored as PNG files, whatever was rendered
_PNG_KEY = "animator-snapshot"


class Place:
    """Where one test's snapshots and failure files go, and the session's report of them."""

    def __init__(self, request, tmp_path_factory):
        self.config = request.config
        module = Path(request.node.path)
        self.directory = module.parent / SNAPSHOTS / module.stem
        qualified = (f"{request.cls.__name__}." if request.cls is not None else "") + request.node.name
        self.test = clean(qualified)
        self.used = set()
        self.calls = {}
        self.update = updating(request.config)
        self._factory = tmp_path_factory
        self._module = module
        self.report = new_report(request.config)

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


def read_png(path):
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


def clean(name):
    """A file name from a test name, as syrupy makes it: no ``\\ / ? * : | " < >`` or control characters."""
    kept = "".join(c for c in name if c not in '\\/?*:|"<>' and not unicodedata.category(c).startswith("C"))
    return kept[:200]


def pytest_configure(config):
    # syrupy owns __snapshots__/: on --snapshot-update it deletes every file there it does not know.
    # Keep it away from ours (it then leaves its own unused .png snapshots alone too).
    if config.pluginmanager.has_plugin("syrupy") and hasattr(config.option, "ignore_file_extensions"):
        ignored = list(config.option.ignore_file_extensions or [])
        config.option.ignore_file_extensions = ignored + [e for e in SUFFIXES if e not in ignored]

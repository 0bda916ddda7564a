"""Damaged and hostile recording files: every one is a one-line UserError, and none is inflated blindly."""

import io
import json
import tracemalloc
import zipfile
import zlib

import numpy as np
import pytest

from animator import Recording, RunConfig, UserError, train


@pytest.fixture(scope="module")
def good(tmp_path_factory):
    path = tmp_path_factory.mktemp("good") / "good.npz"
    train(RunConfig(epochs=60, frames=5, grid_resolution=12, optimizer="adam")).save(path)
    return path


def members(path):
    with zipfile.ZipFile(path) as archive:
        return {info.filename[:-4]: archive.read(info) for info in archive.infolist()}


def npy(array, **kwargs):
    buffer = io.BytesIO()
    np.lib.format.write_array(buffer, np.asarray(array), **kwargs)
    return buffer.getvalue()


def spec_of(data):
    return json.loads(str(np.load(io.BytesIO(data["spec"]))[()]))


def with_spec(data, change):
    spec = spec_of(data)
    change(spec)
    return {**data, "spec": npy(np.array(json.dumps(spec)))}


def write(path, data):
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for key, raw in data.items():
            archive.writestr(f"{key}.npy", raw)
    return path


def refused(path, match, **kwargs):
    with pytest.raises(UserError, match=match) as error:
        Recording.load(path, **kwargs)
    message = str(error.value)
    assert "\n" not in message and message.startswith(str(path))
    return message


def test_the_good_file_loads(good):
    recording = Recording.load(good)
    assert recording.spec.format_version == 2 and len(recording.param_epochs) == 5


def _drop(key):
    return lambda data: {k: v for k, v in data.items() if k != key}


def _replace(key, array, **kwargs):
    return lambda data: {**data, key: npy(array, **kwargs)}


def _spec(change):
    return lambda data: with_spec(data, change)


def _set(path, value):
    def change(spec):
        *parents, last = path.split(".")
        target = spec
        for part in parents:
            target = target[part]
        if value is _DELETE:
            del target[last]
        else:
            target[last] = value
    return change


_DELETE = object()

DAMAGE = [
    ("array missing", _drop("loss"), "recording is missing the array 'loss'"),
    ("layer array missing", _drop("dense2.bias_updates"), "missing the array 'dense2.bias_updates'"),
    ("no spec", _drop("spec"), "not an animator recording"),
    ("spec not json", _replace("spec", np.array("{not json")), "not an animator recording"),
    ("spec not text", _replace("spec", np.arange(3)), "run spec is not a short text"),
    ("format 4", _spec(_set("format_version", 4)), "recording format 4 is newer than this animator"),
    ("format garbage", _spec(_set("format_version", "two")), "unknown recording format_version 'two'"),
    ("format zero", _spec(_set("format_version", 0)), "unknown recording format_version 0"),
    ("no architecture", _spec(_set("architecture", _DELETE)), "no valid architecture"),
    ("bad hidden", _spec(_set("architecture.hidden", [64, -1])), "no valid architecture.hidden"),
    ("bad grid", _spec(_set("grid.resolution", 10**6)), "no valid grid.resolution"),
    ("bad optimizer", _spec(_set("optimizer.name", "lbfgs")), "an optimizer this animator cannot make"),
    ("bad status", _spec(_set("status.epochs_recorded", "many")), "no valid status.epochs_recorded"),
    ("short loss", _replace("loss", np.zeros(5, np.float32)), r"'loss' has shape \(5,\), expected \(61,\)"),
    ("wrong dtype", _replace("accuracy", np.zeros(61, np.float32)), "'accuracy' is float32, expected float64"),
    ("wrong grid", _replace("grid_planes", np.zeros((5, 3, 13, 12), np.uint8)), "'grid_planes' has shape"),
    ("grid in format 1 form", lambda d: {("grid_probs" if k == "grid_planes" else k): v for k, v in d.items()},
     "unexpected array 'grid_probs'"),
    ("wrong layer", _replace("dense1.weights", np.zeros((5, 3, 64), np.float32)), "'dense1.weights' has shape"),
    ("extra array", _replace("surprise", np.zeros(3)), "unexpected array 'surprise'"),
    ("nan extent", _replace("grid_extent", np.array([0, np.nan, 0, 1.0])), "grid_extent .* is not a finite box"),
    ("flat extent", _replace("grid_extent", np.array([1.0, 1.0, 0, 1.0])), "is not a finite box"),
    ("epochs out of order", _replace("epoch", np.arange(61)[::-1].copy()), "epochs are not 0, 1, 2"),
    ("frames beyond the run", _replace("frame_epochs", np.array([0, 15, 30, 45, 99])), "frame_epochs are not"),
    ("frame without arrays", _replace("frame_epochs", np.array([0, 15, 31, 45, 60])), "have no layer arrays"),
    ("labels out of range", _replace("y", np.full(300, 7)), r"labels y are not all in 0..2"),
    ("pickled objects", _replace("loss", np.array([None] * 61, dtype=object), allow_pickle=True),
     "holds Python objects"),
]


@pytest.mark.parametrize("change, message", [d[1:] for d in DAMAGE], ids=[d[0] for d in DAMAGE])
def test_damaged_recordings_are_refused_in_one_line(good, tmp_path, change, message):
    refused(write(tmp_path / "bad.npz", change(members(good))), message)


def test_empty_epochs_are_refused(good, tmp_path):
    data = members(good)
    recording = Recording.load(good)
    empty = {key: npy(recording[key][:0]) for key in recording.arrays
             if key.startswith("dense") or key in ("epoch", "loss", "accuracy", "learning_rate",
                                                    "param_epochs", "frame_epochs")}
    empty["grid_planes"] = npy(np.zeros((0, 3, 12, 12), np.uint8))
    data = with_spec({**data, **empty}, _set("status.epochs_recorded", 0))
    refused(write(tmp_path / "empty.npz", data), "recording has no epochs")


def test_a_member_whose_size_disagrees_with_its_header(good, tmp_path):
    data = members(good)
    data["loss"] = data["loss"][:-8]        # the header still says 61 values
    refused(write(tmp_path / "short.npz", data), r"'loss' declares \d+ bytes but its header")


def test_bad_deflate_data_and_truncation(good, tmp_path):
    raw = bytearray(good.read_bytes())
    with zipfile.ZipFile(good) as archive:
        info = archive.getinfo("grid_planes.npy")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    raw[start + 200:start + 400] = bytes(200)          # header intact, deflate data scrambled
    (tmp_path / "scrambled.npz").write_bytes(bytes(raw))
    refused(tmp_path / "scrambled.npz", "not a readable .npz recording")
    (tmp_path / "cut.npz").write_bytes(good.read_bytes()[:-100])
    refused(tmp_path / "cut.npz", "not a readable .npz recording")
    (tmp_path / "text.npz").write_text("hello")
    refused(tmp_path / "text.npz", r"not a zip archive")
    refused(tmp_path, "is a directory")


def test_format_1_files_still_load(good, tmp_path):
    """A format 1 file kept every epoch's arrays and had neither param_epochs nor param_peaks."""
    everything = train(RunConfig(epochs=60, frames=5, grid_resolution=12, optimizer="adam", record="all"))
    data = {key: npy(array) for key, array in everything.arrays.items()
            if key not in ("param_epochs", "param_peaks")}
    data["spec"] = npy(np.array(json.dumps({**everything.spec.to_json(), "format_version": 1})))
    assert "grid_probs" in data     # format 1 stored the grid interleaved, under its own name
    loaded = Recording.load(write(tmp_path / "v1.npz", data))
    assert loaded.param_epochs.tolist() == list(range(61))
    assert np.array_equal(loaded.arrays["param_peaks"], everything.arrays["param_peaks"])
    assert loaded.spec.format_version == 2


# -- a zip bomb: 3 GB of grid behind a few MB of deflate data ------------------------------

_CHUNK = 1 << 24


class _RepeatingDeflate:
    """A deflate compressor that compresses a chunk of zeros once and repeats its bytes.

    After a full flush deflate forgets everything, so the same input gives the same bytes:
    this writes a valid 3 GB stream in about a second instead of ten.
    """

    def __init__(self):
        self.real = zlib.compressobj(9, zlib.DEFLATED, -15)
        self.zeros = None

    def compress(self, data):
        if len(data) == _CHUNK and not any(data[:64]):
            if self.zeros is None:
                self.zeros = self.real.compress(data) + self.real.flush(zlib.Z_FULL_FLUSH)
            return self.zeros
        return self.real.compress(data) + self.real.flush(zlib.Z_FULL_FLUSH)

    def flush(self):
        return self.real.flush()


def bomb(good, path, monkeypatch, *, resolution):
    """``good`` with a (250, 3, 2000, 2000) grid of zeros: 3 GB inflated, ~3 MB on disk."""
    shape = (250, 3, 2000, 2000)
    data = with_spec(with_spec(members(good), _set("grid.resolution", resolution)),
                     _set("config.grid_resolution", resolution))
    data["frame_epochs"] = npy(np.full(250, 60, dtype=np.int64))
    header = io.BytesIO()
    np.lib.format.write_array_header_1_0(header, {"descr": "|u1", "fortran_order": False, "shape": shape})
    monkeypatch.setattr(zipfile, "_get_compressor", lambda *_: _RepeatingDeflate())
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for key, raw in data.items():
            if key != "grid_planes":
                archive.writestr(f"{key}.npy", raw)
        with archive.open("grid_planes.npy", "w", force_zip64=True) as member:
            member.write(header.getvalue())
            left = int(np.prod(shape))
            zeros = bytes(_CHUNK)
            while left:
                step = min(left, _CHUNK)
                member.write(zeros if step == _CHUNK else zeros[:step])
                left -= step
    monkeypatch.undo()
    return path


@pytest.mark.parametrize("resolution, budget, message", [
    (12, None, r"'grid_planes' has shape \(250, 3, 2000, 2000\), expected \(250, 3, 12, 12\)"),
    (2000, 1 << 30, r"would take 2.8 GiB of memory, more than the 1.0 GiB allowed"),
])
def test_a_zip_bomb_is_refused_before_inflating(good, tmp_path, monkeypatch, resolution, budget, message):
    path = bomb(good, tmp_path / "bomb.npz", monkeypatch, resolution=resolution)
    assert path.stat().st_size < 8e6
    tracemalloc.start()
    try:
        refused(path, message, max_bytes=budget)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 16e6, f"{peak / 1e6:.0f} MB traced while refusing the file"

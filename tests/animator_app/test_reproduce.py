"""``animator info`` and ``animator reproduce``: the description read back, and the same bytes made again."""

import json
import os

import numpy as np
import pytest
from PIL import Image

from animator_app.provenance import shareable_command
from renderers.writers import encode_metadata, read_metadata
from renderers.writers.metadata import with_png_text

SMALL = ["--epochs", "40", "--frames", "3", "--size", "480x270", "--grid", "40"]
OUTPUTS = {
    "gif": ["train", *SMALL, "--momentum", "0.5", "-o", "run.gif"],
    "png": ["train", *SMALL, "--optimizer", "adam", "--lr", "0.05", "-o", "run.png"],
    "mp4": ["train", *SMALL, "--optimizer", "rmsprop", "-o", "run.mp4"],
    "html": ["train", *SMALL, "-o", "run.html"],
    "frames": ["train", *SMALL, "--theme", "dark", "-o", "frames/"],
    "descent": ["descent", "--preset", "momentum-fast", "--size", "480x270", "--poster", "last", "-o", "ball.gif"],
}


def _tree(path):
    """A file's bytes, or a folder's files by name."""
    if os.path.isdir(path):
        return {name: _tree(os.path.join(path, name)) for name in sorted(os.listdir(path))}
    with open(path, "rb") as handle:
        return handle.read()


@pytest.mark.parametrize("kind", list(OUTPUTS))
def test_reproduce_gives_the_same_bytes(cli, tmp_path, monkeypatch, kind):
    monkeypatch.chdir(tmp_path)
    args = OUTPUTS[kind]
    original = args[-1]
    assert cli(*args, "-q").code == 0
    new = "again/" if original.endswith("/") else "again" + os.path.splitext(original)[1]
    result = cli("reproduce", original, "-o", new, "-q")
    assert result.code == 0, result
    assert _tree(new) == _tree(original)
    assert read_metadata(new)["command"] == ["animator", *shareable_command([*args, "-q"])]
    if "--poster" in args:
        assert _tree("again.poster.png") == _tree(original[:-4] + ".poster.png")
    assert [name for name in os.listdir(".") if name.startswith(".")] == []     # nothing left behind


def test_info_prints_the_description(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli(*OUTPUTS["gif"], "-q").code == 0
    result = cli("info", "run.gif")
    assert result.code == 0, result
    assert "kind:     training" in result.out
    assert "caption:  SGD · lr=1.0 · momentum=0.5" in result.out
    assert "command:  animator train --epochs 40" in result.out
    assert "  optimizer.hyperparameters.momentum: 0.5" in result.out
    raw = cli("info", "run.gif", "--json")
    assert json.loads(raw.out) == read_metadata("run.gif")


def _plain_png(path):
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(path)


def test_files_from_elsewhere_are_one_line_and_exit_2(cli, tmp_path):
    _plain_png(tmp_path / "photo.png")
    (tmp_path / "notes.txt").write_text("hello\n")
    (tmp_path / "fake.gif").write_bytes(b"not a gif at all")
    for name in ("photo.png", "notes.txt", "fake.gif", "missing.png"):
        for command in (["info", name], ["reproduce", name, "-o", "x.png"]):
            result = cli(*[part if part.endswith((".txt", "/")) or part in ("info", "reproduce", "-o") else
                           str(tmp_path / part) for part in command])
            assert result.code == 2, (command, result)
            assert len(result.err.strip().splitlines()) == 1, result.err


def _png_with(tmp_path, description):
    _plain_png(tmp_path / "plain.png")
    data = with_png_text((tmp_path / "plain.png").read_bytes(), encode_metadata(description))
    path = tmp_path / "described.png"
    path.write_bytes(data)
    return str(path)


@pytest.mark.parametrize("newer", [{"animator": "99.0.0"}, {"animator": "0.1.0", "format": 2}])
def test_a_newer_description_is_refused(cli, tmp_path, newer):
    path = _png_with(tmp_path, {"caption": "x", "command": ["animator", "train", "-o", "a.png"], "kind": "training",
                                "spec": {}, **newer})
    for command in (["info", path], ["reproduce", path, "-o", str(tmp_path / "b.png")]):
        result = cli(*command)
        assert result.code == 2
        assert "newer than this animator" in result.err and len(result.err.strip().splitlines()) == 1


def test_a_file_written_from_python_has_no_command_to_run(cli, tmp_path):
    path = _png_with(tmp_path, {"animator": "0.1.0", "caption": "x", "command": None, "kind": "training", "spec": {}})
    assert cli("info", path).code == 0
    result = cli("reproduce", path, "-o", str(tmp_path / "b.png"))
    assert result.code == 2 and "written from Python" in result.err


def test_reproduce_keeps_the_kind_of_output(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli(*OUTPUTS["descent"], "-q").code == 0
    result = cli("reproduce", "ball.gif", "-o", "ball.mp4")
    assert result.code == 2 and "gif" in result.err
    assert not os.path.exists("ball.mp4")


def test_a_file_of_the_book_is_made_again_alone(cli, tmp_path, monkeypatch):
    from animator_app import book

    chosen = [job for job in book.jobs() if job.name in ("fig19_sgd_decay1e-3_momentum0.9", "fig08_momentum_fast")]
    monkeypatch.setattr(book, "jobs", lambda: chosen)
    monkeypatch.chdir(tmp_path)
    args = ["book", "-o", "out", "--epochs", "40", "--frames", "3", "--size", "480x270", "--jobs", "1",
            "--poster", "last", "-q"]
    assert cli(*args).code == 0
    for name, new in (("fig19_sgd_decay1e-3_momentum0.9.gif", "again19.gif"), ("fig08_momentum_fast.png", "again.png"),
                      ("fig08_momentum_fast.gif", "again.gif"), ("fig08_momentum_fast.poster.png", "again.poster.png")):
        result = cli("reproduce", os.path.join("out", name), "-o", new, "-q")
        assert result.code == 0, result
        assert _tree(new) == _tree(os.path.join("out", name)), name
    assert sorted(os.listdir(".")) == sorted(["out", "again19.gif", "again.gif", "again.png", "again.poster.png"])


def test_info_reads_a_recording_and_reproduce_explains(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert cli("train", "--epochs", "20", "--frames", "2", "--grid", "8", "-q", "-o", "run.npz").code == 0
    result = cli("info", "run.npz")
    assert result.code == 0 and "kind:     recording" in result.out and "  epochs: 20" in result.out
    again = cli("reproduce", "run.npz", "-o", "other.npz")
    assert again.code == 2 and "carries its run's settings" in again.err
    (tmp_path / "broken.npz").write_bytes(b"PK\x03\x04 truncated")
    broken = cli("info", "broken.npz")
    assert broken.code == 2 and len(broken.err.strip().splitlines()) == 1

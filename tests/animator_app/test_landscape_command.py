"""``animator landscape``: a small run in each slice, bad input in one line, the file's description, the book's figure."""

import json
import os

import pytest

from animator_app import book as book_module
from renderers.writers import read_metadata

SMALL = ["--epochs", "40", "--path-points", "20", "--frames", "6", "--resolution", "8", "--size", "480x270"]


def test_a_plane_and_a_line_are_drawn_and_describe_themselves(cli, tmp_path):
    plane = tmp_path / "plane.gif"
    result = cli("landscape", "sgd:momentum=0.9", "adam", *SMALL, "-o", plane)
    assert result.code == 0, result
    assert "off the plane" in result.out and "the plane explains" in result.out
    meta = read_metadata(str(plane))
    assert meta["kind"] == "landscape" and meta["spec"]["view"]["slice"] == "plane"
    assert meta["spec"]["view"]["directions"] == "pca" and 0 < sum(meta["spec"]["view"]["explained"]) <= 1
    assert [e["name"] for e in meta["spec"]["entrants"]] == ["sgd", "adam"]
    line = tmp_path / "line.png"
    assert cli("landscape", "sgd", "adam", *SMALL, "--slice", "line", "-o", line, "-q").code == 0
    assert read_metadata(str(line))["spec"]["view"]["slice"] == "line"
    random = tmp_path / "random.gif"
    assert cli("landscape", "sgd", "adam", *SMALL, "--directions", "random", "--seed", "5", "--centre", "end",
               "adam", "-o", random, "-q").code == 0
    view = read_metadata(str(random))["spec"]["view"]
    assert view["directions"] == "random" and view["seed"] == 5 and view["centre"] == "Adam's final weights"


def test_the_chapter_preset_races_its_four_tuned_optimizers(cli, tmp_path):
    out = tmp_path / "chapter.png"
    result = cli("landscape", "--preset", "chapter", *SMALL, "-o", out)
    assert result.code == 0, result
    names = [e["name"] for e in read_metadata(str(out))["spec"]["entrants"]]
    assert names == ["sgd", "adagrad", "rmsprop", "adam"]


@pytest.mark.parametrize("args, words", [
    (["sgd", "--resolution", "2"], "--resolution"),
    (["sgd", "--slice", "cube"], "--slice"),
    (["sgd", "adam", "--centre", "end", "nadam"], "--centre"),
    (["sgd", "adam", "--slice", "line", "--centre", "end"], "--slice line"),
    (["--preset", "chapter", "sgd"], "SPECs or --preset"),
    (["sgd", "--size", "1200x300"], "2.4"),
    (["sgd", "--epochs", "1"], "--epochs"),
    (["sgd:lr=-1"], "learning rate"),
])
def test_bad_input_is_one_line_exit_2_and_no_file(cli, tmp_path, args, words):
    out = tmp_path / "x.gif"
    result = cli("landscape", *args, *_defaults(args), "-o", out)
    assert result.code == 2, result
    assert words in result.err and len(result.err.strip().splitlines()) == 1 and "Traceback" not in result.err
    assert not out.exists() and os.listdir(tmp_path) == []


def _defaults(args):
    given = set(args)
    small = {"--epochs": "20", "--path-points": "10", "--resolution": "6", "--frames": "4"}
    return [part for flag, value in small.items() if flag not in given for part in (flag, value)]


def test_the_book_has_the_landscape_after_the_chapter_with_its_gallery_text(tmp_path, monkeypatch):
    chosen = [job for job in book_module.jobs() if job.stem == "landscape_chapter"]
    assert len(chosen) == 1 and chosen[0].place[0] == 1          # after the chapter's own figures
    monkeypatch.setattr(book_module, "jobs", lambda: chosen)
    options = book_module.BookOptions(epochs=30, frames=4, size=(640, 360), fps=10, hold=0)
    results, failures = book_module.make_book(tmp_path, options, workers=1, cache=False)
    assert failures == []
    assert (tmp_path / "landscape_chapter.gif").stat().st_size > 1000
    page = (tmp_path / "index.html").read_text()
    assert "landscape_chapter.gif" in page and "Loss landscape" in page and "variance" in page and "projected onto it" in page
    assert json.loads(json.dumps(read_metadata(str(tmp_path / "landscape_chapter.gif"))))["kind"] == "landscape"


def test_the_snapshot_fixtures_take_a_landscape():
    from animator.landscape import landscape
    from animator.run import RunConfig
    from animator_app.snapshots.frames import frame_of
    from animator_app.snapshots.runs import compare_any, kind_of, snapshot_of

    result = landscape(["sgd", "adam"], RunConfig(epochs=30, frames=4), resolution=6, path_points=10, workers=1)
    assert kind_of(result) == "race"
    stored = snapshot_of(result, layer_epochs=5)
    assert compare_any(result, stored, layer_epochs=5, rtol=1e-5, atol=1e-8) is None
    image = frame_of(result, "last")[0]
    assert image.shape == (360, 640, 3)

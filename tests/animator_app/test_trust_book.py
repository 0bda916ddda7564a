"""Issue 16, the book's part: its cache folder is data, never authority.

A job record or a run manifest may be shared, copied or edited by someone else.
Whatever it says, the book remakes what does not verify (with one note), the
gallery links only to the files the book wrote in its folder, and nothing read
from the cache crashes the book or runs script in a browser.
"""

import json
import logging
import os
import pathlib
import re

import pytest

from animator import RunConfig, train
from animator.cache import RunCache, cache_key, config_check, user_cache_folder
from animator_app import book as book_module
from browsers import browser  # noqa: F401  (the headless Chromium fixture; skips without it)

REDUCED = ["--epochs", "60", "--frames", "4", "--size", "480x270", "--fps", "10", "--hold", "0"]
TRAINING, DESCENT = "fig19_sgd_decay1e-3_momentum0.9", "fig03_stuck_first_minimum"
FOREIGN = "https://attacker.example/track.gif"
SCRIPT = "javascript:alert(document.domain)"
PLAIN = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]*")


@pytest.fixture
def two_jobs(monkeypatch):
    """A training figure (a cached run, one GIF) and a descent (a GIF and a still): quick, and both kinds of job."""
    chosen = [job for job in book_module.jobs() if job.name in (TRAINING, DESCENT)]
    assert len(chosen) == 2
    monkeypatch.setattr(book_module, "jobs", lambda: chosen)


def _records(out):
    return sorted((out / book_module.CACHE_FOLDER / "jobs").glob("*.json"))


def _manifests(out):
    return sorted((pathlib.Path(user_cache_folder()) / "runs").rglob("*.json"))


def _job_lines(err):
    return {line.split("] ", 1)[1].split(" (", 1)[0]: line for line in err.splitlines() if line.startswith("[")}


def _poison(record, **fields):
    stored = json.loads(record.read_text())
    stored.update(fields)
    record.write_text(json.dumps(stored))


def _links(page):
    """Every src and href of the gallery, as written (read without a browser); the contents' links within
    the page must each name a figure of the page."""
    links = re.findall(r'\b(?:src|href|poster)="([^"]*)"', page)
    ids = set(re.findall(r'<figure id="([^"]*)"', page))
    assert all(link[1:] in ids for link in links if link.startswith("#"))
    return [link for link in links if not link.startswith("#")]


def _assert_only_own_files(out, links):
    present = set(os.listdir(out))
    assert links, "the gallery links nothing"
    for link in links:
        assert PLAIN.fullmatch(link) and ".." not in link and link in present, link


def _book(cli, out, *extra):
    return cli("book", "-o", out, *REDUCED, "--jobs", "1", *extra)


def test_a_record_with_no_files_and_foreign_outputs_is_remade_and_never_linked(cli, tmp_path, two_jobs):
    out = tmp_path / "book"
    assert _book(cli, out).code == 0
    made = {name: (out / name).read_bytes() for name in os.listdir(out) if name != book_module.CACHE_FOLDER}
    (out / f"{TRAINING}.gif").write_bytes(b"GIF89a not the figure")
    outputs = [{"filename": FOREIGN, "figure": "x", "caption": "x", "settings": "x"},
               {"filename": SCRIPT, "figure": "x", "caption": "x", "settings": "x"}]
    for record in _records(out):
        _poison(record, files={}, outputs=outputs)
    again = _book(cli, out)
    assert again.code == 0, again
    lines = _job_lines(again.err)
    assert "unchanged" not in lines[TRAINING] and "unchanged" not in lines[DESCENT], again.err
    assert again.err.count("is damaged") == 2, again.err              # one note per record, printed once
    assert (out / f"{TRAINING}.gif").read_bytes() == made[f"{TRAINING}.gif"]     # made again, not trusted
    page = (out / "index.html").read_text()
    assert "attacker" not in page and "javascript:" not in page
    _assert_only_own_files(out, _links(page))
    third = _book(cli, out)                      # the records were written again, sound
    assert all("unchanged" in line for line in _job_lines(third.err).values()) and "damaged" not in third.err


def test_a_record_must_hash_every_file_the_job_writes(cli, tmp_path, two_jobs):
    """A record listing only some of the files (here: only the still) is not enough to skip the job."""
    out = tmp_path / "book"
    assert _book(cli, out).code == 0
    for record in _records(out):
        stored = json.loads(record.read_text())
        stored["files"] = {name: sha for name, sha in stored["files"].items() if name.endswith(".png")}
        record.write_text(json.dumps(stored))
    (out / f"{DESCENT}.gif").write_bytes(b"GIF89a not the figure")
    again = _book(cli, out)
    assert again.code == 0 and "unchanged" not in _job_lines(again.err)[DESCENT], again.err
    assert (out / f"{DESCENT}.gif").read_bytes() != b"GIF89a not the figure"


@pytest.mark.parametrize("field, value", [
    ("outputs", [{"filename": f"../{TRAINING}.gif", "figure": "x", "caption": "x", "settings": "x"}]),
    ("outputs", [{"filename": f"/tmp/{TRAINING}.gif", "figure": "x", "caption": "x", "settings": "x"}]),
    ("outputs", [{"filename": f"{TRAINING}.gif", "figure": "x", "caption": "\x1b]0;owned\x07", "settings": "x"}]),
    ("outputs", [{"filename": f"{TRAINING}.gif", "figure": 7, "caption": "x", "settings": "x"}]),
    ("outputs", "nope"),
    ("files", {f"{TRAINING}.gif": "not a hash"}),
    ("files", [1, 2]),
    ("key", "0" * 64),
])
def test_a_record_out_of_schema_is_remade_with_one_note(cli, tmp_path, monkeypatch, field, value):
    chosen = [job for job in book_module.jobs() if job.name == TRAINING]
    monkeypatch.setattr(book_module, "jobs", lambda: chosen)
    out = tmp_path / "book"
    assert _book(cli, out).code == 0
    record, = _records(out)
    _poison(record, **{field: value})
    again = _book(cli, out)
    assert again.code == 0 and again.err.count("is damaged") == 1, again.err
    assert "unchanged" not in again.err and "\x1b" not in again.err and "owned" not in again.err
    page = (out / "index.html").read_text()
    assert "owned" not in page and "/tmp/" not in page and "../" not in page
    _assert_only_own_files(out, _links(page))


def _nested(depth):
    return "[" * depth + "]" * depth


def test_deeply_nested_records_and_manifests_are_recomputed_once_never_a_crash(cli, tmp_path, two_jobs, monkeypatch):
    monkeypatch.setattr(logging.root, "handlers", [])      # as on the command line: no handler but the last resort
    out = tmp_path / "book"
    assert _book(cli, out).code == 0
    for path in _records(out) + _manifests(out):
        path.write_text('{"key": ' + _nested(100_000) + "}")
    again = _book(cli, out)
    assert again.code == 0, again
    assert "RecursionError" not in again.err and "FAILED" not in again.err
    # two job records and the training run's manifest, each noted once
    assert again.err.count("is damaged") == 3 and again.err.count("nested more than") == 3, again.err
    third = _book(cli, out)                       # not failing on every run until --force: the cache is sound again
    assert third.code == 0 and "damaged" not in third.err
    assert all("unchanged" in line for line in _job_lines(third.err).values()), third.err


# -- the gallery in a browser -------------------------------------------------------------------

def test_a_poisoned_gallery_in_chromium_loads_only_the_books_own_files(cli, tmp_path, two_jobs, browser):  # noqa: F811
    out = tmp_path / "book"
    assert _book(cli, out).code == 0
    outputs = [{"filename": FOREIGN, "figure": "x", "caption": "x", "settings": "x"},
               {"filename": SCRIPT, "figure": "x", "caption": "x", "settings": "x"}]
    for record in _records(out):
        _poison(record, files={}, outputs=outputs)
    assert _book(cli, out).code == 0
    browser.get_log("performance")
    browser.get((out / "index.html").as_uri())
    attributes = browser.execute_script(
        "return Array.from(document.querySelectorAll('[src],[href]')).flatMap(function (element) {"
        "  return ['src', 'href'].filter(function (name) { return element.hasAttribute(name); })"
        "                        .map(function (name) { return element.getAttribute(name); }); });")
    ids = browser.execute_script("return Array.from(document.querySelectorAll('figure[id]')).map(f => f.id);")
    assert all(link[1:] in ids for link in attributes if link.startswith("#"))     # the contents: within the page
    attributes = [link for link in attributes if not link.startswith("#")]
    _assert_only_own_files(out, attributes)
    assert set(attributes) >= {f"{TRAINING}.gif", f"{DESCENT}.gif", f"{DESCENT}.png"}
    requested = []              # what the page asked for (the fixture blocks every request, so none leaves)
    for entry in browser.get_log("performance"):
        message = json.loads(entry["message"])["message"]
        if message["method"] == "Network.requestWillBeSent":
            requested.append(message["params"]["request"]["url"])
    folder = out.as_uri() + "/"
    assert requested and all(url.startswith(folder) for url in requested), requested
    assert all(PLAIN.fullmatch(url[len(folder):]) for url in requested), requested


# -- the runs cache: content hash of the arrays, full settings ------------------------------------

CONFIG = RunConfig(epochs=5, frames=2, grid_resolution=4)


def _stored(tmp_path):
    cache = RunCache(tmp_path)
    recording = train(CONFIG)
    cache.put(("training", CONFIG), [recording])
    key = cache_key(("training", CONFIG))
    return cache, recording, tmp_path / key[:2] / f"{key}.json", tmp_path / key[:2] / f"{key}.0.npz"


def test_a_run_whose_numbers_were_changed_is_not_reused(tmp_path):
    cache, recording, _, npz = _stored(tmp_path)
    assert cache.get(("training", CONFIG), config_check(CONFIG))[0].spec == recording.spec
    recording.arrays["loss"] = recording.arrays["loss"] * 0.5       # a valid Recording, the same settings
    recording.save(npz)
    again = RunCache(tmp_path)
    assert again.get(("training", CONFIG), config_check(CONFIG)) is None
    assert len(again.notes) == 1 and "content hash" in again.notes[0]


@pytest.mark.parametrize("change", [
    lambda stored: stored.pop("content"),
    lambda stored: stored.update(content=["0" * 64]),
    lambda stored: stored.update(content="0" * 64),
    lambda stored: stored.update(count=True),
    lambda stored: stored["parts"][1].update(epochs=6),
    lambda stored: stored.update(extra=1),
])
def test_a_run_manifest_out_of_schema_is_not_reused(tmp_path, change):
    cache, _, manifest, _ = _stored(tmp_path)
    stored = json.loads(manifest.read_text())
    change(stored)
    manifest.write_text(json.dumps(stored))
    again = RunCache(tmp_path)
    assert again.get(("training", CONFIG), config_check(CONFIG)) is None and len(again.notes) == 1
    assert again.fetch(("training", CONFIG), lambda: [train(CONFIG)], config_check(CONFIG))
    assert RunCache(tmp_path).get(("training", CONFIG), config_check(CONFIG)) is not None    # stored again, sound


def test_a_cache_that_cannot_be_written_is_a_note_naming_no_temporary_file(tmp_path):
    key = cache_key(("training", CONFIG))
    (tmp_path / key[:2] / f"{key}.json").mkdir(parents=True)        # where the manifest goes, a folder
    cache = RunCache(tmp_path)
    cache.put(("training", CONFIG), [train(CONFIG)])
    assert len(cache.notes) == 1 and "could not be kept" in cache.notes[0], cache.notes
    assert ".part" not in cache.notes[0] and ".json." not in cache.notes[0]


# -- --max-bytes no figure can meet ---------------------------------------------------------------

def test_a_byte_budget_no_figure_can_meet_is_refused_before_any_work(cli, tmp_path):
    out = tmp_path / "book"
    result = cli("book", "-o", out, *REDUCED, "--max-bytes", "1")
    assert result.code == 2, result
    assert result.err.count("\n") == 1 and "--max-bytes" in result.err and "max_bytes" not in result.err
    assert "FAILED" not in result.err and "Traceback" not in result.err
    assert not out.exists() or os.listdir(out) == []


@pytest.mark.parametrize("jobs", ["1", "2"])
def test_the_first_figure_over_the_budget_ends_the_book_in_one_line(cli, tmp_path, monkeypatch, two_jobs, jobs):
    monkeypatch.setattr(book_module, "smallest_description", lambda options: 1)    # past the up-front floor
    out = tmp_path / "book"
    result = cli("book", "-o", out, *REDUCED, "--max-bytes", "300", "--jobs", jobs)
    assert result.code == 2, result
    assert result.err.count("\n") == 1 and result.err.startswith("animator: error: --max-bytes"), result.err
    assert "FAILED" not in result.err and "max_bytes" not in result.err
    assert ".part" not in result.err and ".fit" not in result.err
    assert [name for name in os.listdir(out) if name.startswith(".") and name != book_module.CACHE_FOLDER] == []


# -- messages name the files the user knows, never a temporary one --------------------------------

def test_a_folder_where_a_figure_goes_is_refused_before_any_work(cli, tmp_path, two_jobs):
    out = tmp_path / "book"
    (out / f"{DESCENT}.png").mkdir(parents=True)
    result = _book(cli, out)
    assert result.code == 2 and result.err.count("\n") == 1, result
    assert f"{DESCENT}.png: is not a regular file" in result.err and ".part" not in result.err
    assert os.listdir(out) == [f"{DESCENT}.png"]


def test_an_os_error_in_a_figure_names_its_target_not_the_temporary_file(tmp_path, monkeypatch):
    def failing(options, directory):
        target = os.path.join(directory, "x.gif")
        raise IsADirectoryError(21, "Is a directory", os.path.join(directory, ".x.gif.a1b2c3.part"), None, target)

    monkeypatch.setattr(book_module, "jobs", lambda: [book_module.Job("x", "S", failing)])
    _, failures = book_module.make_book(tmp_path, book_module.BookOptions(), workers=1)
    assert failures == [("x", f"{tmp_path / 'x.gif'}: Is a directory")]

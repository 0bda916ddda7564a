"""``animator book`` redoes only what changed: runs kept by their settings, figures kept by their inputs."""

import os
import pathlib
import shutil
from dataclasses import replace

import pytest

from animator import RunConfig, train
from animator.cache import RunCache, cache_key, config_check, user_cache_folder
from animator.trainer import Trainer
from animator_app import book as book_module
from conftest import BOOK_ARGS

REDUCED = ["--epochs", "60", "--frames", "4", "--size", "480x270", "--fps", "10", "--hold", "0"]


def _files(folder):
    return {name: (folder / name).read_bytes() for name in sorted(os.listdir(folder))
            if not name.startswith(".")}


def test_a_second_book_with_nothing_changed_trains_and_draws_nothing(cli, reduced_book, tmp_path, monkeypatch):
    out = tmp_path / "book"
    assert reduced_book[1].code == 0, reduced_book[1]
    shutil.copytree(reduced_book[0], out)                            # the session's book, made with BOOK_ARGS
    figures = [name for name in _files(out) if name != "index.html"]      # the gallery page is always written
    made = {name: os.stat(out / name).st_mtime_ns for name in figures}
    trained = tmp_path / "trained"

    def run(*args, **kwargs):          # noted in a file: the jobs run in forked workers (--jobs 2), which inherit this
        with open(trained, "a") as handle:
            handle.write("trained\n")

    monkeypatch.setattr(Trainer, "run", run)
    second = cli("book", "-o", out, *BOOK_ARGS)
    assert second.code == 0, second
    jobs = [line for line in second.err.splitlines() if line.startswith("[")]
    assert len(jobs) == len(book_module.jobs()) and all("unchanged" in line for line in jobs), second.err
    assert not trained.exists()                                      # no run trained again
    assert {name: os.stat(out / name).st_mtime_ns for name in figures} == made   # no figure written again


@pytest.fixture
def few_jobs(monkeypatch):
    """A training figure, the race and Figure 14: every kind of cached run, quickly."""
    chosen = [job for job in book_module.jobs()
              if job.name in ("fig19_sgd_decay1e-3_momentum0.9", "race chapter", "fig14 learning rates")]
    assert len(chosen) == 3
    monkeypatch.setattr(book_module, "jobs", lambda: chosen)


@pytest.fixture
def trainings(monkeypatch):
    """Counts the training runs (every run of the engine goes through Trainer.run)."""
    count = [0]
    run = Trainer.run

    def counted(self, *args, **kwargs):
        count[0] += 1
        return run(self, *args, **kwargs)

    monkeypatch.setattr(Trainer, "run", counted)
    return count


def test_a_theme_or_size_change_trains_nothing_and_force_trains_everything(cli, tmp_path, few_jobs, trainings):
    out = tmp_path / "book"
    assert cli("book", "-o", out, *REDUCED, "--jobs", "1").code == 0
    assert trainings[0] == 1 + 4 + 4          # a figure, four racers, four learning rates
    plain = _files(out)
    trainings[0] = 0
    dark = cli("book", "-o", out, *REDUCED, "--jobs", "1", "--theme", "dark")
    assert dark.code == 0, dark
    assert trainings[0] == 0 and dark.err.count("runs from the cache") == 3
    assert _files(out)["fig19_sgd_decay1e-3_momentum0.9.gif"] != plain["fig19_sgd_decay1e-3_momentum0.9.gif"]
    resized = cli("book", "-o", out, *REDUCED[:-6], "--size", "640x360", *REDUCED[-4:], "--jobs", "1")
    assert resized.code == 0 and trainings[0] == 0
    forced = cli("book", "-o", out, *REDUCED, "--jobs", "1", "--force")
    assert forced.code == 0 and trainings[0] == 9 and "cache" not in forced.err and "unchanged" not in forced.err


def test_runs_from_the_cache_draw_the_same_bytes(cli, tmp_path, few_jobs):
    out = tmp_path / "book"
    assert cli("book", "-o", out, *REDUCED, "--jobs", "1").code == 0
    made = _files(out)
    for name in made:
        if name != "index.html":
            os.unlink(out / name)
    again = cli("book", "-o", out, *REDUCED, "--jobs", "1")
    assert again.code == 0 and again.err.count("runs from the cache") == 3, again.err
    assert _files(out) == made


def test_a_damaged_entry_is_computed_again_never_trusted(cli, tmp_path, few_jobs, trainings):
    out = tmp_path / "book"
    assert cli("book", "-o", out, *REDUCED, "--jobs", "1").code == 0
    made = _files(out)
    runs = pathlib.Path(user_cache_folder()) / "runs"
    recordings = sorted(runs.rglob("*.npz"))
    manifests = sorted(runs.rglob("*.json"))
    assert len(recordings) == 9 and len(manifests) == 6
    recordings[0].write_bytes(recordings[0].read_bytes()[:500])           # truncated
    recordings[1].write_bytes(b"garbage" * 100)                            # not a zip
    manifests[-1].write_text("{not json")
    for record in (out / book_module.CACHE_FOLDER / "jobs").glob("*.json"):
        record.write_text("[]")                                            # every figure's record is garbage
    trainings[0] = 0
    again = cli("book", "-o", out, *REDUCED, "--jobs", "1")
    assert again.code == 0, again
    assert 1 <= trainings[0] <= 9 and again.err.count("is damaged") >= 3, again.err
    assert _files(out) == made
    trainings[0] = 0
    assert cli("book", "-o", out, *REDUCED, "--jobs", "1").code == 0 and trainings[0] == 0


def test_an_edited_output_is_drawn_again(cli, tmp_path, few_jobs, trainings):
    out = tmp_path / "book"
    assert cli("book", "-o", out, *REDUCED, "--jobs", "1").code == 0
    made = _files(out)
    (out / "race_chapter.gif").write_bytes(b"GIF89a edited")
    again = cli("book", "-o", out, *REDUCED, "--jobs", "1")
    assert [line for line in again.err.splitlines() if "race chapter" in line][0].endswith("runs from the cache)")
    assert _files(out) == made


def test_the_cache_folder_can_be_elsewhere(cli, tmp_path, few_jobs, trainings):
    shared = tmp_path / "cache"
    assert cli("book", "-o", tmp_path / "a", *REDUCED, "--jobs", "1", "--cache", shared).code == 0
    trainings[0] = 0
    assert cli("book", "-o", tmp_path / "b", *REDUCED, "--jobs", "1", "--cache", shared).code == 0
    assert trainings[0] == 0
    assert not (tmp_path / "a" / book_module.CACHE_FOLDER).exists()


def test_the_key_follows_every_setting_and_an_interrupted_run_is_not_kept(tmp_path):
    config = RunConfig(epochs=5, frames=2, grid_resolution=4)
    assert cache_key(("training", config)) == cache_key(("training", RunConfig(epochs=5, frames=2, grid_resolution=4)))
    assert cache_key(("training", config)) != cache_key(("training", RunConfig(epochs=5, frames=2, grid_resolution=5)))
    cache = RunCache(tmp_path)
    recording = train(config)
    recording.spec = replace(recording.spec, status=replace(recording.spec.status, interrupted=True))
    cache.put(("training", config), [recording])
    assert cache.entries() == [] and cache.get(("training", config)) is None
    recording.spec = replace(recording.spec, status=replace(recording.spec.status, interrupted=False))
    cache.put(("training", config), [recording])
    assert len(cache.entries()) == 1
    assert cache.get(("training", config), config_check(config))[0].spec == recording.spec
    other = RunConfig(epochs=5, frames=2, grid_resolution=4, hidden=(8,))
    assert cache.get(("training", config), config_check(other)) is None and "another run" in cache.notes[-1]


def test_a_book_in_another_folder_with_another_look_trains_nothing(cli, tmp_path, few_jobs, trainings):
    assert cli("book", "-o", tmp_path / "lecture", *REDUCED, "--jobs", "1").code == 0
    assert trainings[0] == 9
    trainings[0] = 0
    slides = cli("book", "-o", tmp_path / "slides", *REDUCED, "--jobs", "1", "--theme", "projector")
    assert slides.code == 0, slides
    assert trainings[0] == 0 and slides.err.count("runs from the cache") == 3
    runs = pathlib.Path(user_cache_folder()) / "runs"
    assert list(runs.rglob("*.json")) and not (tmp_path / "slides" / book_module.CACHE_FOLDER / "runs").exists()
    assert os.stat(runs).st_mode & 0o077 == 0                         # the user's own: nobody else writes runs there


def test_the_users_cache_folder_follows_xdg_and_ignores_a_relative_path(monkeypatch, tmp_path):
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    assert user_cache_folder() == str(tmp_path / "animator")
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/cache")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert user_cache_folder() == str(tmp_path / "home" / ".cache" / "animator")


def test_a_full_cache_drops_the_runs_used_longest_ago_manifest_first(tmp_path):
    configs = [RunConfig(epochs=3, frames=2, grid_resolution=4, hidden=(h,)) for h in (4, 5, 6)]
    recordings = [train(config) for config in configs]
    cache = RunCache(tmp_path)
    for age, (config, recording) in enumerate(zip(configs, recordings)):
        cache.put(("training", config), [recording])
        manifest = tmp_path / cache_key(("training", config))[:2] / f"{cache_key(('training', config))}.json"
        os.utime(manifest, (1000 + age, 1000 + age))                 # made in this order, long ago
    assert cache.get(("training", configs[0])) is not None           # a hit: the first is now the latest used
    orphan = tmp_path / "ab" / ("ab" + "0" * 62 + ".0.npz")          # a write cut short long ago
    orphan.parent.mkdir(exist_ok=True)
    orphan.write_bytes(b"x" * 10)
    os.utime(orphan, (1000, 1000))
    entry = sum(f.stat().st_size for f in tmp_path.rglob(f"{cache_key(('training', configs[1]))}*"))
    total = sum(f.stat().st_size for f in tmp_path.rglob("*") if f.is_file())
    removed = cache.trim(total - entry)                              # room for all but one entry
    assert removed == ["ab" + "0" * 62, cache_key(("training", configs[1]))]
    assert cache.get(("training", configs[1])) is None and not orphan.exists()
    assert cache.get(("training", configs[0])) is not None and cache.get(("training", configs[2])) is not None
    assert cache.trim(0, keep=cache_key(("training", configs[2]))) == [cache_key(("training", configs[0]))]
    assert cache.entries() == [cache_key(("training", configs[2]))]

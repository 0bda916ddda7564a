"""``animator book`` on a reduced size, the gallery, and the races' and descents' command lines."""

import html.parser
import os
import re

import pytest

from animator_app import book as book_module

REDUCED = ["--epochs", "30", "--frames", "4", "--size", "640x360", "--fps", "10", "--hold", "0"]

EXPECTED = {
    "fig01_sgd_lr1.gif", "fig02_curve.png", "fig14_learning_rates.png", "fig15_sgd_lr0.85.gif",
    "fig16_sgd_decay1e-2.gif", "fig17_sgd_decay1e-3.gif", "fig18_sgd_decay1e-3_momentum0.5.gif",
    "fig19_sgd_decay1e-3_momentum0.9.gif", "fig20_adagrad_decay1e-4.gif", "fig21_rmsprop_default.gif",
    "fig21_rmsprop_tuned.gif", "adam_lr0.02_decay1e-5.gif", "adam_lr0.05_decay5e-7.gif", "race_chapter.gif",
    "landscape_chapter.gif", "race2d_rosenbrock.gif", "race2d_beale.gif", "race2d_saddle.gif", "index.html",
} | {f"fig{n:02d}_{name}.{ext}" for n, name in [
    (3, "stuck_first_minimum"), (4, "stuck_second_minimum"), (5, "stuck_third_minimum"), (6, "momentum_slow"),
    (7, "momentum_better"), (8, "momentum_fast"), (9, "too_large"), (10, "far_too_large"), (11, "explosion"),
    (12, "good"), (13, "efficient")] for ext in ("gif", "png")}


class _Links(html.parser.HTMLParser):
    def __init__(self):
        super().__init__()
        self.links = set()

    def handle_starttag(self, tag, attrs):
        for name, value in attrs:
            if name in ("href", "src") and not value.startswith("#"):     # the contents' links within the page
                self.links.add(value)


def test_book_makes_every_figure_and_the_gallery_links_each(reduced_book):
    out, result = reduced_book                  # animator book -o OUT *BOOK_ARGS (tests/conftest.py)
    assert result.code == 0, result
    assert "wrote every figure" in result.err
    assert set(os.listdir(out)) == EXPECTED | {book_module.CACHE_FOLDER}
    parser = _Links()
    parser.feed((out / "index.html").read_text())
    assert parser.links >= EXPECTED - {"index.html"}
    # the job table names every file the gallery shows (a cache record is checked against it, never trusted)
    options = book_module.BookOptions()
    assert parser.links == {name for job in book_module.jobs() for name in book_module.gallery_names(job, options)}
    for name in EXPECTED - {"index.html"}:
        assert (out / name).stat().st_size > 1000, name
    text = (out / "index.html").read_text()
    assert "Figure 19" in text and "momentum=0.9" in text and "Figure 11" in text


def test_a_failing_figure_is_reported_and_the_rest_go_on(tmp_path, monkeypatch):
    def good(options, directory):
        (tmp_path / "good.txt").write_text("ok")
        return [book_module.Output("good.txt", "Figure X", "fine", "")]

    def bad(options, directory):
        raise RuntimeError("this figure broke")

    monkeypatch.setattr(book_module, "jobs", lambda: [book_module.Job("bad", "S", bad),
                                                      book_module.Job("good", "S", good)])
    seen = []
    results, failures = book_module.make_book(tmp_path, book_module.BookOptions(), workers=1,
                                              report=lambda *args: seen.append(args))
    assert failures == [("bad", "RuntimeError: this figure broke")]
    assert (tmp_path / "good.txt").exists() and len(seen) == 2
    page = (tmp_path / "index.html").read_text()
    assert "good.txt" in page and "this figure broke" in page


def test_book_exits_non_zero_when_a_figure_fails(cli, tmp_path, monkeypatch):
    monkeypatch.setattr(book_module, "jobs", lambda: [book_module.Job("bad", "S", lambda o, d: 1 / 0)])
    result = cli("book", "-o", tmp_path, *REDUCED, "--jobs", "1")
    assert result.code == 1
    assert "bad: FAILED: ZeroDivisionError" in result.err and "1 figure failed" in result.err


@pytest.mark.parametrize("args, message", [
    (["adam:lr=-1", "sgd"], "Invalid learning rate: -1.0"),
    (["sgd:foo=1", "adam"], "sgd has no hyper-parameter 'foo'"),
    (["lbfgs", "adam"], "unknown optimizer 'lbfgs'"),
    (["--preset", "fastest"], "unknown preset 'fastest'"),
    (["sgd"], "compare races 2 to 4 optimizers"),
    (["sgd", "adam", "--preset", "chapter"], "give either SPECs or --preset"),
])
def test_bad_race_specs(cli, tmp_path, args, message):
    result = cli("compare", *args, "-o", tmp_path / "race.gif", "--epochs", "5")
    assert result.code == 2, result
    assert result.err.count("\n") == 1 and message in result.err
    assert os.listdir(tmp_path) == []


def test_compare_renders_a_race(cli, tmp_path):
    out = tmp_path / "race.gif"
    result = cli("compare", "sgd:momentum=0.9", "adam:lr=0.05", "-o", out, "--epochs", "40", "--frames", "5",
                 "--grid", "24", "--size", "640x360")
    assert result.code == 0, result
    assert (out).stat().st_size > 1000
    assert "SGD" in result.out and "Adam" in result.out


def test_descent_command(cli, tmp_path):
    listing = cli("descent", "--list")
    assert listing.code == 0 and "momentum-fast" in listing.out and "explosion" in listing.out
    result = cli("descent", "--preset", "stuck-second-minimum", "-o", tmp_path / "ball.png", "--size", "640x360")
    assert result.code == 0, result
    assert "settles in minimum 1" in result.out
    result = cli("descent", "--preset", "explosion", "-o", tmp_path / "boom.gif", "--size", "640x360")
    assert result.code == 0 and "diverged at step" in result.out
    result = cli("descent", "--lr", "0.1", "--momentum", "0.9", "--steps", "200", "-o", tmp_path / "x.gif",
                 "--size", "640x360")
    assert result.code == 0, result
    bad = cli("descent", "--preset", "nope")
    assert bad.code == 2 and "unknown preset 'nope'" in bad.err
    bad = cli("descent", "--lr", "-3")
    assert bad.code == 2 and "Invalid learning rate: -3.0" in bad.err


def test_race2d_command(cli, tmp_path):
    result = cli("race2d", "saddle", "-o", tmp_path / "saddle.gif", "--steps", "60", "--size", "640x360")
    assert result.code == 0, result
    assert result.out.count("\n") == 5 and "AdaGrad" in result.out
    bad = cli("race2d", "himmelblau", "-o", tmp_path / "x.gif")
    assert bad.code == 2 and "invalid choice: 'himmelblau'" in bad.err
    bad = cli("race2d", "beale", "--start", "1;2", "-o", tmp_path / "x.gif")
    assert bad.code == 2 and "expected finite X,Y" in bad.err


def test_ctrl_c_stops_the_book_without_leaving_partial_files(tmp_path):
    import signal
    import subprocess
    import sys
    import time

    out = tmp_path / "book"
    process = subprocess.Popen([sys.executable, "-m", "animator_app.cli", "book", "-o", str(out), *REDUCED,
                                "--jobs", "2"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:        # wait until a figure is half-written
        if out.is_dir() and any(name.endswith(".part") for name in os.listdir(out)):
            break
        time.sleep(0.005)
    else:
        process.kill()
        pytest.fail("no figure was ever being written")
    process.send_signal(signal.SIGINT)
    _, stderr = process.communicate(timeout=60)
    assert process.returncode == 130, stderr
    assert "Traceback" not in stderr
    assert [name for name in os.listdir(out) if name.startswith(".") and name != book_module.CACHE_FOLDER] == []
    cached = [name for _, _, names in os.walk(out / book_module.CACHE_FOLDER) for name in names]
    assert not any(name.endswith(".part") or name.startswith(".") for name in cached), cached


def test_a_budget_is_one_summary_line_and_a_figure_line_only_says_what_was_reduced(cli, tmp_path, monkeypatch):
    from animator_app.scenes import DescentScene

    monkeypatch.setattr(book_module, "jobs", lambda: [book_module._descent_job(DescentScene(preset=name))
                                                      for name in ("momentum-fast", "good")])
    roomy = cli("book", "-o", tmp_path / "roomy", "--size", "480x270", "--jobs", "1", "--max-bytes", "10MB")
    assert roomy.code == 0, roomy
    assert "nothing reduced" not in roomy.err and "fit " not in roomy.err
    summary = [line for line in roomy.err.splitlines() if line.startswith("--max-bytes")]
    assert len(summary) == 1 and summary[0].startswith("--max-bytes 10 MB: 2 animations fit, 0 of them reduced")
    tight = cli("book", "-o", tmp_path / "tight", "--size", "480x270", "--jobs", "1", "--max-bytes", "40kB")
    assert tight.code == 0, tight
    assert tight.err.count(".gif: fit ") == 2 and "2 animations fit, 2 of them reduced" in tight.err


def test_the_gallery_follows_the_chapter_with_contents_and_one_entry_per_figure(reduced_book):
    page = (reduced_book[0] / "index.html").read_text()
    shown = re.findall(r'<figure id="([^"]+)"', page)
    order = [job.place for job in book_module.jobs()]
    assert order and len(shown) == len(book_module.jobs())                # one entry per figure, not per file
    stems = [name.rsplit(".", 1)[0] for name in shown]
    places = {job.stem: job.place for job in book_module.jobs()}
    assert [places[stem] for stem in stems] == sorted(places[stem] for stem in stems)
    assert stems[:3] == ["fig01_sgd_lr1", "fig02_curve", "fig03_stuck_first_minimum"]
    contents = page[page.index("<nav"):page.index("</nav>")]
    assert re.findall(r'href="#([^"]+)"', contents) == shown
    assert 'loading="lazy"' in page and page.count("<img") == page.count('loading="lazy"')
    assert 'alt="Figure 8: ' in page                                       # descriptive, not the file name

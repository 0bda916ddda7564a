"""Every written file carries its description; read_metadata gives back exactly what was written, in every format."""

import os
import subprocess

import pytest
from PIL import Image

from animator import __version__
from animator.recording import Recording
from renderers import write_animation
from animator_app.provenance import shareable_command
from renderers.writers import encode_metadata, read_metadata
from renderers.writers.metadata import gif_comments, png_texts
from frame_sources import Stripes

TRAIN = ["train", "--epochs", "300", "--frames", "12", "--size", "480x270", "--print-every", "0",
         "--decay", "1e-3", "--momentum", "0.9"]
CAPTION = "SGD · lr=1.0 · decay=0.001 · momentum=0.9"



DESCRIPTION = {"animator": __version__, "caption": "Adam · lr=0.05 · ünïcödé", "command": ["animator", "x"],
               "kind": "training", "spec": {"lr": 0.05, "hidden": [64], "nothing": None, "nan": float("nan")}}
WRITTEN = dict(DESCRIPTION, spec=dict(DESCRIPTION["spec"], nan="nan"))   # JSON has no NaN: its name instead


@pytest.fixture(scope="module")
def outputs(tmp_path_factory):
    """The chapter's Figure 19 run, reduced, written as every output type from the command line."""
    from animator_app.cli import main

    folder = tmp_path_factory.mktemp("outputs")
    before = os.getcwd()
    os.chdir(folder)
    try:
        written = {}
        for output in ("run.gif", "run.mp4", "run.png", "run.html", "frames/"):
            argv = [*TRAIN, "-q", "-o", output] + (["--poster", "last"] if output != "run.png" else [])
            argv += ["--save", "run.npz"] if output == "run.gif" else []
            assert main(argv) == 0
            written[output] = argv
        return folder, written
    finally:
        os.chdir(before)            # the folder the session started in: later tests read relative paths


# -- the command line writes it --------------------------------------------------------------------

@pytest.mark.parametrize("output", ["run.gif", "run.mp4", "run.png", "run.html", "frames/", "run.poster.png",
                                    "frames/poster.png", "frames/frame_00003.png"])
def test_every_file_reads_back_the_run_that_made_it(outputs, output):
    folder, written = outputs
    recording = Recording.load(folder / "run.npz")
    # run.gif, .mp4 and .html share one poster name; the last command (the page's) wrote it
    made_by = {"run.poster.png": "run.html", "frames/poster.png": "frames/", "frames/frame_00003.png": "frames/"}
    metadata = read_metadata(folder / output)
    assert metadata == {
        "animator": __version__, "caption": CAPTION,
        "command": ["animator", *shareable_command(written[made_by.get(output, output)])], "kind": "training",
        "spec": {key: value for key, value in recording.spec.to_json().items() if key != "versions"},
    }


def test_each_format_keeps_it_where_other_tools_look(outputs):
    folder, _ = outputs
    with Image.open(folder / "run.gif") as gif:                         # Pillow reads the comment block
        assert gif.info["comment"].decode("ascii") == encode_metadata(read_metadata(folder / "run.gif"))
    with Image.open(folder / "run.png") as png:                         # and the PNG text chunk
        assert png.text["animator"] == encode_metadata(read_metadata(folder / "run.png"))
    page = (folder / "run.html").read_text(encoding="utf-8")
    assert page.startswith('<!doctype html>\n<html lang="en" data-animator="{&quot;animator&quot;:')
    import imageio_ffmpeg                                               # ffmpeg reads the MP4's comment tag

    probe = subprocess.run([imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(folder / "run.mp4"),
                            "-f", "ffmetadata", "-"], capture_output=True, text=True, check=True).stdout
    comment = next(line for line in probe.splitlines() if line.startswith("comment="))[len("comment="):]
    unescaped = comment.replace("\\=", "=").replace("\\;", ";").replace("\\#", "#").replace("\\\\", "\\")
    assert unescaped == encode_metadata(read_metadata(folder / "run.mp4"))
    assert (folder / "frames" / "animation.json").read_text().strip() == encode_metadata(
        read_metadata(folder / "frames/"))


def test_the_description_has_no_timestamp_the_same_command_gives_the_same_bytes(outputs, cli, tmp_path, monkeypatch):
    folder, written = outputs                       # the same commands, run earlier in another folder
    monkeypatch.chdir(tmp_path)
    for argv in written.values():
        assert cli(*argv).code == 0
    for name in ("run.gif", "run.mp4", "run.png", "run.html", "run.poster.png", "frames/animation.json",
                 "frames/frame_00011.png", "frames/poster.png"):
        assert (folder / name).read_bytes() == (tmp_path / name).read_bytes(), name


@pytest.mark.parametrize("args, kind, caption", [
    (["compare", "sgd:lr=1,decay=1e-3,momentum=0.9", "adam:lr=0.05", "--epochs", "50", "--frames", "4",
      "--size", "640x360"], "race", "SGD · lr=1.0 · decay=0.001 · momentum=0.9 | Adam · lr=0.05"),
    (["descent", "--preset", "momentum-fast", "--size", "480x270"], "descent",
     "Figure 8 · SGD · lr=0.09 · momentum=0.85"),
    (["descent", "--lr", "0.1", "--steps", "20", "--size", "480x270"], "descent", "SGD · lr=0.1"),
    (["race2d", "saddle", "--steps", "30", "--size", "640x360"], "race2d", "Saddle: five optimizers, one start"),
])
def test_each_kind_of_scene_describes_itself(cli, tmp_path, args, kind, caption):
    assert cli(*args, "-q", "-o", tmp_path / "out.gif").code == 0
    metadata = read_metadata(tmp_path / "out.gif")
    assert (metadata["kind"], metadata["caption"]) == (kind, caption)
    assert metadata["command"] == ["animator", *args, "-q", "-o", "OUTPUT.gif"]   # no local path, no name
    assert metadata["spec"] and metadata["animator"] == __version__


def test_a_budget_keeps_the_description(cli, tmp_path):
    assert cli(*TRAIN, "-q", "--max-bytes", "30kB", "-o", tmp_path / "a.gif").code == 0
    assert cli(*TRAIN, "-q", "--max-bytes", "20kB", "-o", tmp_path / "a.mp4").code == 0
    for name in ("a.gif", "a.mp4"):
        metadata = read_metadata(tmp_path / name)
        assert metadata["caption"] == CAPTION and "--max-bytes" in metadata["command"]


# -- the library -------------------------------------------------------------------------------------

@pytest.mark.parametrize("output", ["a.gif", "a.mp4", "a.png", "a.html", "f/"])
def test_what_the_library_writes_it_reads_back(tmp_path, output):
    write_animation(Stripes(6), f"{tmp_path}/{output}", fps=10, hold=0, workers=1, metadata=DESCRIPTION)
    assert read_metadata(f"{tmp_path}/{output}") == WRITTEN


@pytest.mark.parametrize("output", ["a.gif", "a.mp4", "a.png", "a.html", "f/"])
def test_without_a_description_nothing_is_read(tmp_path, output):
    write_animation(Stripes(6), f"{tmp_path}/{output}", fps=10, hold=0, workers=1)
    assert read_metadata(f"{tmp_path}/{output}") is None


def test_files_from_elsewhere_have_none(tmp_path):
    Image.new("RGB", (8, 8)).save(tmp_path / "plain.png")
    Image.new("RGB", (8, 8)).save(tmp_path / "plain.gif", comment=b"made by hand")
    (tmp_path / "text.gif").write_text("not a GIF")
    (tmp_path / "empty.mp4").write_bytes(b"")
    (tmp_path / "page.html").write_text("<html><body>hello</body></html>")
    for name in ("plain.png", "plain.gif", "text.gif", "empty.mp4", "page.html", "missing.gif", "notes.txt"):
        assert read_metadata(tmp_path / name) is None, name
    assert gif_comments((tmp_path / "plain.gif").read_bytes()) == [b"made by hand"]


def test_the_render_function_describes_its_run(tmp_path):
    from animator import RunConfig, train
    from renderers import render

    recording = train(RunConfig(epochs=20, frames=3, grid_resolution=8, hyperparameters={"decay": 1e-3}))
    render(recording, tmp_path / "a.png", size=(480, 270))
    metadata = read_metadata(tmp_path / "a.png")
    assert metadata["kind"] == "training" and metadata["caption"] == "SGD · lr=1.0 · decay=0.001"
    assert metadata["command"] is None and metadata["spec"]["config"]["epochs"] == 20
    assert "versions" not in metadata["spec"]


def test_the_figure_png_of_the_book_is_described(tmp_path):
    from animator_app import book

    job = next(job for job in book.jobs() if job.name == "fig14 learning rates")
    job.run(book.BookOptions(epochs=40, size=(640, 360), command=("animator", "book")), str(tmp_path))
    metadata = read_metadata(tmp_path / "fig14_learning_rates.png")
    assert metadata["kind"] == "figure" and metadata["caption"].startswith("Figure 14 · Loss against steps")
    assert metadata["command"] == ["animator", "book"] and len(metadata["spec"]["optimizers"]) == 4
    assert png_texts((tmp_path / "fig14_learning_rates.png").read_bytes())["animator"]


def test_the_book_passes_budget_poster_and_description_to_each_animation(cli, tmp_path, monkeypatch):
    from animator_app import book
    from animator_app.scenes import DescentScene

    monkeypatch.setattr(book, "jobs", lambda: [book._descent_job(DescentScene(preset="momentum-fast"))])
    result = cli("book", "-o", tmp_path, "--size", "640x360", "--jobs", "1", "--max-bytes", "60kB",
                 "--poster", "last")
    assert result.code == 0, result
    assert "fig08_momentum_fast.gif: fit " in result.err and "under 60 kB" in result.err
    assert (tmp_path / "fig08_momentum_fast.gif").stat().st_size <= 60_000
    assert (tmp_path / "fig08_momentum_fast.poster.png").is_file()
    for name in ("fig08_momentum_fast.gif", "fig08_momentum_fast.png", "fig08_momentum_fast.poster.png"):
        metadata = read_metadata(tmp_path / name)
        assert metadata["kind"] == "descent" and metadata["command"][:2] == ["animator", "book"], name


@pytest.mark.parametrize("args, words", [
    (["--max-bytes", "lots"], "argument --max-bytes"),
    (["--poster", "middle"], "argument --poster"),
    (["--format", "mp4", "--max-bytes", "0"], "argument --max-bytes"),
])
def test_the_book_refuses_bad_budgets_and_posters_before_any_figure(cli, tmp_path, args, words):
    result = cli("book", "-o", tmp_path / "book", *args)
    assert result.code == 2 and words in result.err and result.err.count("\n") == 1
    assert not (tmp_path / "book").exists()

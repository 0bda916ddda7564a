"""--preset slides / beamer: a slide's look in one word, explicit options still winning, and the whole book for slides."""

import os

import pytest
from PIL import Image

from animator_app.cli import main
from animator_app.presets import COMMAND_PRESETS, OUTPUT_PRESETS
from renderers.writers import read_metadata

SMALL = ["--epochs", "100", "--frames", "5", "--grid", "30"]


def run(capsys, *argv):
    status = main(list(argv))
    return status, capsys.readouterr().err


def test_slides_is_a_720p_projector_gif_with_a_poster_and_a_budget(tmp_path, capsys):
    out = tmp_path / "run.gif"
    status, err = run(capsys, "train", *SMALL, "--preset", "slides", "-o", str(out))
    assert status == 0
    assert Image.open(out).size == (1280, 720)
    assert Image.open(tmp_path / "run.poster.png").size == (1280, 720)
    assert "under 10 MB" in err
    assert "--preset" in read_metadata(str(out))["command"]


def test_the_projector_look_is_what_the_theme_option_gives(tmp_path, capsys):
    preset, explicit = tmp_path / "a.png", tmp_path / "b.png"
    assert main(["train", *SMALL, "-q", "--preset", "slides", "-o", str(preset)]) == 0
    assert main(["train", *SMALL, "-q", "--size", "1280x720", "--theme", "projector", "-o", str(explicit)]) == 0
    assert Image.open(preset).tobytes() == Image.open(explicit).tobytes()


def test_options_given_explicitly_win_over_the_preset(tmp_path, capsys):
    out = tmp_path / "run.gif"
    assert main(["train", *SMALL, "-q", "--preset", "beamer", "--size", "800x600", "-o", str(out)]) == 0
    assert Image.open(out).size == (800, 600)
    assert os.path.exists(tmp_path / "run.poster.png")


def test_beamer_is_four_by_three(tmp_path, capsys):
    out = tmp_path / "ball.gif"
    assert main(["descent", "--preset", "beamer", "--preset", "momentum-fast", "--steps", "30", "-q",
                 "-o", str(out)]) == 0
    assert Image.open(out).size == (1024, 768)
    assert read_metadata(str(out))["caption"].startswith("Figure 8")


def test_a_still_gets_neither_budget_nor_poster(tmp_path, capsys):
    out = tmp_path / "still.png"
    status, err = run(capsys, "train", *SMALL, "--preset", "slides", "-o", str(out))
    assert status == 0 and Image.open(out).size == (1280, 720)
    assert sorted(os.listdir(tmp_path)) == ["still.png"]


def test_compare_takes_its_own_preset_and_a_look(tmp_path, capsys):
    out = tmp_path / "race.gif"
    assert main(["compare", "--preset", "chapter", "--preset", "slides", *SMALL, "-q", "-o", str(out)]) == 0
    assert Image.open(out).size == (1280, 720)


@pytest.mark.parametrize("argv, message", [
    (["train", "--preset", "slidez", "-o", "x.gif"], "unknown preset 'slidez' (choose from slides, beamer)"),
    (["compare", "--preset", "chapterr", "-o", "x.gif"], "unknown preset 'chapterr' (choose from chapter, slides, beamer)"),
    (["train", "--preset", "slides", "--preset", "beamer", "-o", "x.gif"], "two of a kind: slides and beamer"),
    (["train", "--preset", "slides", "--max-bytes", "10 parsecs", "-o", "x.gif"], "--max-bytes"),
    (["slides", "x.gif", "-o", "deck.pptx", "--aspect", "21:9"], "unknown aspect"),
    (["train", "--theme", "neon", "-o", "x.gif"], "invalid choice: 'neon'"),
])
def test_unknown_presets_budgets_themes_and_aspects_are_one_line(tmp_path, capsys, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    if argv[0] == "slides":
        Image.new("RGB", (64, 36)).save("x.gif")
    status, err = run(capsys, *argv)
    assert status == 2 and err.count("\n") == 1 and message in err, err
    assert not (tmp_path / "deck.pptx").exists()


def test_preset_names_never_collide_with_a_commands_own():
    for table in COMMAND_PRESETS.values():
        assert not set(table) & set(OUTPUT_PRESETS)


def test_the_whole_book_for_slides(tmp_path, capsys):
    out = tmp_path / "book"
    status, err = run(capsys, "book", "--preset", "slides", "--epochs", "60", "--frames", "4", "-o", str(out))
    assert status == 0, err
    gifs = sorted(name for name in os.listdir(out) if name.endswith(".gif"))
    assert len(gifs) >= 20
    for name in gifs:
        assert Image.open(out / name).size == (1280, 720), name
        assert os.path.getsize(out / name) <= 10_000_000
        assert (out / name.replace(".gif", ".poster.png")).exists(), name
    assert (out / "index.html").exists()

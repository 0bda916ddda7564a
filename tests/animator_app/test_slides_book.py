"""`animator slides BOOK/`: the book's figures in the chapter's order, with the chapter's words; the folder is data."""

import os
import re
import shutil

import pytest

pptx = pytest.importorskip("pptx", reason="python-pptx is the 'slides' extra (in the 'test' extra too)")
from pptx.enum.shapes import MSO_SHAPE_TYPE  # noqa: E402

from animator.chapter import CURVE_FIGURE, DESCENTS, TRAINING  # noqa: E402
from animator_app.book import jobs  # noqa: E402

pytestmark = pytest.mark.slow


def figure_number(title):
    found = re.match(r"Figure (\d+)", title)
    return int(found[1]) if found else None


def titles(deck):
    return [slide.shapes.title.text for slide in pptx.Presentation(str(deck)).slides]


def alt(shape):
    return shape._element.xpath("./*/p:cNvPr/@descr")[0]


@pytest.fixture
def book_copy(reduced_book, tmp_path):
    """The reduced book's figures (not its cache) copied, to change."""
    folder, result = reduced_book
    assert result.code == 0, result
    copy = tmp_path / "lecture"
    copy.mkdir()
    for name in os.listdir(folder):
        if name.endswith((".gif", ".png", ".mp4")):
            shutil.copy(folder / name, copy / name)
    return copy


def test_a_book_folder_is_the_chapter_in_order_with_its_words(reduced_book, tmp_path, cli):
    folder, _ = reduced_book
    deck = tmp_path / "lecture.pptx"
    result = cli("slides", folder, "-o", deck, "--title", "Chapter 10")
    assert result.code == 0, result
    presentation = pptx.Presentation(str(deck))
    slides = list(presentation.slides)[1:]
    assert len(slides) == len(jobs())                       # one slide per figure of the job table
    shown = titles(deck)[1:]
    numbers = [figure_number(title) for title in shown]
    numbered = [n for n in numbers if n is not None]
    assert numbered == sorted(numbered) and numbered[:3] == [1, 2, 3] and 14 in numbered and numbered[-1] == 21
    assert numbers.index(None) == len(numbered)              # the chapter's numbered figures first, in order
    assert shown[len(numbered)].startswith("Adam")           # then the Adam section, then the races
    races = [title for title in shown if title.endswith(": five optimizers, one start")]
    assert races == [f"{name.capitalize()}: five optimizers, one start" for name in ("rosenbrock", "beale", "saddle")]
    assert shown.index("The optimizers race") < shown.index(races[0])
    by_number = {n: slide for n, slide in zip(numbers, slides) if n is not None}
    for still in (2, 14):                                     # the PNG figures are there, as pictures alone
        kinds = [shape.image.content_type for shape in by_number[still].shapes
                 if shape.shape_type == MSO_SHAPE_TYPE.PICTURE]
        assert kinds == ["image/png"]
    assert CURVE_FIGURE[1] in by_number[2].notes_slide.notes_text_frame.text
    assert TRAINING["fig16_sgd_decay1e-2"].caption in by_number[16].notes_slide.notes_text_frame.text
    assert DESCENTS["momentum-fast"].caption in by_number[8].notes_slide.notes_text_frame.text
    assert shown[0].startswith("Figure 1: ") and shown[1].startswith("Figure 2: ")
    for slide in slides:
        assert slide.has_notes_slide and slide.notes_slide.notes_text_frame.text
        for shape in slide.shapes:
            if shape.shape_type in (MSO_SHAPE_TYPE.PICTURE, MSO_SHAPE_TYPE.MEDIA):
                assert len(alt(shape)) > 40 and not any(ext in alt(shape) for ext in (".gif", ".png", ".mp4"))


def test_a_figure_missing_from_the_folder_is_left_out_with_a_note(book_copy, tmp_path, cli):
    os.unlink(book_copy / "fig15_sgd_lr0.85.gif")
    os.unlink(book_copy / "fig16_sgd_decay1e-2.gif")
    os.mkfifo(book_copy / "fig16_sgd_decay1e-2.gif")        # not a regular file: never opened, left out
    (book_copy / "zz_extra.gif").write_bytes(b"GIF89a not the book's")     # not in the job table: never read
    result = cli("slides", book_copy, "-o", tmp_path / "deck.pptx")
    assert result.code == 0, result
    assert "left out: fig15_sgd_lr0.85, fig16_sgd_decay1e-2" in result.err
    shown = titles(tmp_path / "deck.pptx")
    assert len(shown) == len(jobs()) - 2 and not [t for t in shown if t.startswith(("Figure 15", "Figure 16"))]


def test_a_damaged_figure_in_the_folder_is_one_line_and_no_deck(book_copy, tmp_path, cli):
    (book_copy / "fig17_sgd_decay1e-3.gif").write_bytes(b"GIF89a" + b"\x00" * 50)
    result = cli("slides", book_copy, "-o", tmp_path / "deck.pptx")
    assert result.code == 2 and result.err.count("\n") == 1 and "fig17_sgd_decay1e-3.gif" in result.err, result
    assert not (tmp_path / "deck.pptx").exists()


def test_a_folder_without_the_books_figures_is_one_line(tmp_path, cli):
    (tmp_path / "empty").mkdir()
    result = cli("slides", tmp_path / "empty", "-o", tmp_path / "deck.pptx")
    assert result.code == 2 and "holds none of the book's figures" in result.err and result.err.count("\n") == 1
    result = cli("slides", tmp_path / "empty", tmp_path / "empty", "-o", tmp_path / "deck.pptx")
    assert result.code == 2 and "give one book folder alone" in result.err

"""`animator slides` and text: a --title the deck cannot hold is refused, text from a file is cleaned, never fatal."""

import os

import pytest

pptx = pytest.importorskip("pptx", reason="python-pptx is the 'slides' extra (in the 'test' extra too)")

from animator.errors import ArgumentError  # noqa: E402
from animator_app.cli import main  # noqa: E402
from renderers.deck import Slide, deck_text, make_deck  # noqa: E402
from renderers.writers.metadata import with_png_text  # noqa: E402
from test_slides_untrusted import png_claiming, refused, small_png  # noqa: E402


@pytest.mark.parametrize("title, expect", [
    ("Chapter\x0110", "--title has a control character (\\x01) at position 8"),
    ("Chapter \x1b[2J10", "--title has a control character (\\x1b)"),
    ("caf\udce9", "--title has an undecodable byte (\\udce9)"),     # a Latin-1 byte in a UTF-8 terminal's argv
])
def test_a_title_the_deck_cannot_hold_is_refused_naming_title(tmp_path, capsys, title, expect):
    (tmp_path / "still.png").write_bytes(small_png())
    refused(capsys, tmp_path, tmp_path / "still.png", extra=["--title", title], expect=expect)


def test_a_title_may_break_across_lines(tmp_path):
    (tmp_path / "still.png").write_bytes(small_png())
    assert main(["slides", str(tmp_path / "still.png"), "-o", str(tmp_path / "deck.pptx"), "-q",
                 "--title", "Chapter 10\nOptimizers"]) == 0
    assert pptx.Presentation(str(tmp_path / "deck.pptx")).slides[0].shapes.title.text == "Chapter 10\nOptimizers"


def captions(deck):
    """Each slide's title: a file given alone is titled with its caption."""
    return [slide.shapes.title.text_frame.text for slide in pptx.Presentation(str(deck)).slides]


def test_a_caption_from_a_file_is_cleaned_not_fatal(tmp_path):
    described = tmp_path / "described.png"
    text = r'{"caption":"SGD\u0000\u001b[2J \u00b7 lr=1\nnext\u202e line\ud800!","kind":"training"}'
    described.write_bytes(with_png_text(small_png(), text))
    long = tmp_path / "long.png"
    long.write_bytes(with_png_text(small_png(), '{"caption":"%s"}' % ("x" * 5000)))
    deck = tmp_path / "deck.pptx"
    assert main(["slides", str(described), str(long), "-o", str(deck), "-q"]) == 0
    first, second = captions(deck)
    assert first == "SGD[2J · lr=1 next line\ufffd!"
    assert len(second) == 300 and second.endswith("…")


@pytest.mark.parametrize("description", ['{"caption":5}', '{"caption":{"a":1}}', '["caption"]', '"text"',
                                         '{"caption":"\\u0001\\u0002"}', "{not json"])
def test_a_description_of_another_shape_gives_the_files_name(tmp_path, description):
    still = tmp_path / "my_figure.png"
    still.write_bytes(with_png_text(small_png(), description))
    assert main(["slides", str(still), "-o", str(tmp_path / "deck.pptx"), "-q"]) == 0
    assert captions(tmp_path / "deck.pptx") == ["my_figure"]


@pytest.mark.parametrize("returned", [None, ["caption"], "caption", 7, {"caption": None}, {"caption": b"x"}])
def test_whatever_read_metadata_returns_a_slide_is_captioned(tmp_path, monkeypatch, returned):
    monkeypatch.setattr("animator_app.slides.read_metadata", lambda path: returned)
    still = tmp_path / "my_figure.png"
    still.write_bytes(small_png())
    assert main(["slides", str(still), "-o", str(tmp_path / "deck.pptx"), "-q"]) == 0
    assert captions(tmp_path / "deck.pptx") == ["my_figure"]


def test_a_file_name_with_control_characters_is_shown_escaped_and_cleaned(tmp_path, capsys):
    odd = tmp_path / "odd\x1b[2Jname.png"
    odd.write_bytes(small_png())
    assert main(["slides", str(odd), "-o", str(tmp_path / "deck.pptx"), "-q"]) == 0
    assert captions(tmp_path / "deck.pptx") == ["odd[2Jname"]
    odd.write_bytes(png_claiming(40000, 40000))
    assert "odd\\x1b[2Jname.png: a 40000x40000 picture" in refused(capsys, tmp_path, odd)


def test_the_library_refuses_captions_the_xml_cannot_hold(tmp_path):
    still = tmp_path / "still.png"
    still.write_bytes(small_png())
    with pytest.raises(ArgumentError, match="caption has a control character"):
        make_deck([Slide(str(still), "a\x07b")], str(tmp_path / "deck.pptx"))
    assert not os.path.exists(tmp_path / "deck.pptx")
    assert deck_text("a\tb\x00c\u2066d") == "a bcd"

"""`animator slides`: a deck read back with python-pptx, and opened by a real reader (LibreOffice) where installed."""

import os

import numpy as np
import pytest

pptx = pytest.importorskip("pptx", reason="python-pptx is the 'slides' extra (in the 'test' extra too)")
from pptx.enum.shapes import MSO_SHAPE_TYPE  # noqa: E402

from animator_app.cli import main  # noqa: E402
from renderers.writers import read_metadata  # noqa: E402
from decks import (EMU_PER_INCH, closer_to, difference, frame_of, libreoffice_pdf, needs_office,  # noqa: E402
                   page_pixels, solid_gif)

SMALL = ["--epochs", "120", "--frames", "6", "--grid", "40", "--size", "640x360", "-q"]
P = "{http://schemas.openxmlformats.org/presentationml/2006/main}"


@pytest.fixture(scope="module")
def animations(tmp_path_factory):
    """A GIF and a PNG of two training runs and an MP4 of a descent, as animator makes them."""
    folder = tmp_path_factory.mktemp("animations")
    gif, mp4, png = (str(folder / name) for name in ("sgd.gif", "ball.mp4", "adam.png"))
    assert main(["train", "--decay", "1e-3", "--momentum", "0.9", "-o", gif, *SMALL]) == 0
    assert main(["descent", "--preset", "momentum-fast", "--steps", "40", "-o", mp4, "--size", "640x360", "-q"]) == 0
    assert main(["train", "--optimizer", "adam", "--lr", "0.05", "-o", png, *SMALL]) == 0
    return [gif, mp4, png]


def pictures(slide):
    return [shape for shape in slide.shapes if shape.shape_type == MSO_SHAPE_TYPE.PICTURE]


def media(slide):
    return next(shape for shape in slide.shapes if shape.shape_type == MSO_SHAPE_TYPE.MEDIA)


def alt(shape):
    return shape._element.xpath("./*/p:cNvPr/@descr")[0]


def timing(slide):
    found = slide._element.find(f"{P}timing")
    return "" if found is None else __import__("lxml.etree").etree.tostring(found).decode()


def test_one_titled_slide_per_animation_in_order_with_notes_and_alt_text(animations, tmp_path, capsys):
    deck = tmp_path / "lecture.pptx"
    assert main(["slides", *animations, "-o", str(deck), "--title", "Chapter 10: Optimizers"]) == 0
    assert "3 slides and a title slide" in capsys.readouterr().err
    slides = list(pptx.Presentation(str(deck)).slides)
    assert len(slides) == 4
    assert slides[0].shapes.title.text == "Chapter 10: Optimizers"
    for slide, path in zip(slides[1:], animations):
        assert slide.shapes.title.text == read_metadata(path)["caption"]       # a title placeholder: the outline
        assert slide.shapes.title.is_placeholder
        shown = pictures(slide) or [media(slide)]
        for shape in shown:
            assert os.path.basename(path) not in alt(shape) and len(alt(shape)) > 40
            assert read_metadata(path)["caption"] in alt(shape)
        assert read_metadata(path)["caption"] in slide.notes_slide.notes_text_frame.text
    assert slides[1].shapes.title.text.startswith("SGD") and slides[3].shapes.title.text.startswith("Adam")
    assert "ball rolling down" in alt(media(slides[2]))


def test_a_gif_lies_under_its_poster_which_vanishes_as_the_slide_starts(animations, tmp_path):
    deck = tmp_path / "deck.pptx"
    assert main(["slides", animations[0], "-o", str(deck), "-q"]) == 0
    slide = pptx.Presentation(str(deck)).slides[0]
    gif, poster = pictures(slide)                              # in z-order: the poster is drawn over the GIF
    assert gif.image.content_type == "image/gif" and gif.image.blob == open(animations[0], "rb").read()
    assert poster.image.content_type == "image/png"
    assert (poster.left, poster.top, poster.width, poster.height) == (gif.left, gif.top, gif.width, gif.height)
    last = np.asarray(frame_of(animations[0], -1))
    from PIL import Image
    import io
    assert np.array_equal(np.asarray(Image.open(io.BytesIO(poster.image.blob)).convert("RGB")), last)
    xml = timing(slide)
    assert 'presetClass="exit"' in xml and f'spid="{poster.shape_id}"' in xml and "style.visibility" in xml
    assert 'evt="onBegin"' in xml                               # with the slide, not on a click


def test_videos_play_as_the_slide_starts_or_on_a_click_once_or_looping(animations, tmp_path):
    for extra, autoplay, loops in [([], True, False), (["--start", "click"], False, False),
                                   (["--loop"], True, True)]:
        deck = tmp_path / "deck.pptx"
        assert main(["slides", animations[1], "-o", str(deck), "-q", *extra]) == 0
        slide = pptx.Presentation(str(deck)).slides[0]
        movie = media(slide)
        assert movie._element.xpath(".//a:videoFile")
        xml = timing(slide)
        assert f'spid="{movie.shape_id}"' in xml and "p:cMediaNode" in xml
        assert ('cmd="playFrom(0.0)"' in xml) == autoplay
        assert ('repeatCount="indefinite"' in xml) == loops
        poster = slide.part.related_part(movie._element.xpath(".//a:blip/@r:embed")[0])
        assert poster.content_type == "image/png"


def test_the_slide_shape_the_centred_titles_and_the_picture_fit_inside(animations, tmp_path):
    for aspect, (width, height) in {"16:9": (12192000, 6858000), "4:3": (9144000, 6858000)}.items():
        deck = tmp_path / f"deck-{aspect.replace(':', 'x')}.pptx"
        assert main(["slides", animations[0], "-o", str(deck), "--aspect", aspect, "-q", "--title", "T"]) == 0
        presentation = pptx.Presentation(str(deck))
        assert abs(presentation.slide_width - width) < 1000 and presentation.slide_height == height
        cover, slide = presentation.slides
        for title in (cover.shapes.title, slide.shapes.title):
            assert abs(title.left + title.width / 2 - presentation.slide_width / 2) < 2000     # centred
        picture = pictures(slide)[0]
        assert 0 <= picture.left and picture.left + picture.width <= presentation.slide_width
        assert slide.shapes.title.top + slide.shapes.title.height <= picture.top
        assert picture.top + picture.height <= presentation.slide_height
        assert picture.width / picture.height == pytest.approx(640 / 360, rel=0.01)


def test_the_same_command_gives_the_same_bytes(animations, tmp_path):
    first, second = tmp_path / "a.pptx", tmp_path / "b.pptx"
    for deck in (first, second):
        assert main(["slides", *animations, "-o", str(deck), "-q"]) == 0
    assert first.read_bytes() == second.read_bytes()


def test_a_file_from_elsewhere_is_titled_with_its_name(tmp_path):
    from PIL import Image
    still = tmp_path / "my_figure.png"
    Image.new("RGB", (320, 240), "white").save(still)
    deck = tmp_path / "deck.pptx"
    assert main(["slides", str(still), "-o", str(deck), "-q"]) == 0
    slide = pptx.Presentation(str(deck)).slides[0]
    assert slide.shapes.title.text == "my_figure"
    assert alt(pictures(slide)[0]).startswith("A picture")


@pytest.mark.parametrize("argv, message", [
    (["GIF", "-o", "deck.pptx", "--aspect", "3:2"], "unknown aspect '3:2'"),
    (["GIF", "-o", "deck.pdf"], "a deck is written as .pptx (PowerPoint) or .tex"),
    (["missing.gif", "-o", "deck.pptx"], "missing.gif: no such file"),
    (["page.html", "-o", "deck.pptx"], "not an animation a deck can hold"),
    (["GIF", "-o", "deck.pptx", "--poster", "lst"], "--poster expected first, last or a frame number"),
    (["GIF", "-o", "deck.pptx", "--poster", "99"], "--poster 99: "),
    (["GIF", "-o", "deck.pptx", "--start", "later"], "argument --start: invalid choice"),
    (["GIF", "-o", "deck.tex", "--template", "t.pptx"], "--template is for a .pptx deck"),
])
def test_bad_decks_are_one_line_errors_and_write_nothing(animations, tmp_path, capsys, monkeypatch, argv, message):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "page.html").write_text("<p>")
    argv = [animations[0] if a == "GIF" else a for a in argv]
    assert main(["slides", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err and "Traceback" not in err
    assert not any(name.endswith((".pptx", ".pdf", ".tex")) or name.endswith("-frames")
                   for name in os.listdir(tmp_path))


# -- what LibreOffice shows ------------------------------------------------------------------------------

def picture_region(pixels, shape, slide_width):
    """The pixels of ``shape``'s box on a page drawn ``pixels``."""
    scale = pixels.shape[1] / slide_width
    left, top = round(shape.left * scale), round(shape.top * scale)
    right, bottom = round((shape.left + shape.width) * scale), round((shape.top + shape.height) * scale)
    return pixels[top:bottom, left:right]


@needs_office
@pytest.mark.parametrize("choice", ["default", "first", "last"])
def test_libreoffice_pdf_shows_each_animations_poster(animations, tmp_path, choice):
    """Converted by LibreOffice, each page's picture is the poster (the last frame unless chosen), not frame 0."""
    deck = tmp_path / "lecture.pptx"
    extra = [] if choice == "default" else ["--poster", choice]
    assert main(["slides", *animations, "-o", str(deck), "-q", *extra]) == 0
    pdf = libreoffice_pdf(deck, tmp_path)
    presentation = pptx.Presentation(str(deck))
    dpi = 100
    for number, (slide, path) in enumerate(zip(presentation.slides, animations), start=1):
        pixels = page_pixels(pdf, number, dpi)
        assert abs(pixels.shape[1] - presentation.slide_width / EMU_PER_INCH * dpi) <= 1
        shape = (pictures(slide) or [media(slide)])[0]
        region = picture_region(pixels, shape, presentation.slide_width)
        chosen, other = (0, -1) if choice == "first" else (-1, 0)
        assert difference(region, frame_of(path, chosen)) < 12, path
        if not path.endswith(".png"):                  # where the two ends differ, the page shows the chosen one
            near, far = closer_to(region, frame_of(path, chosen), frame_of(path, other))
            assert near < far / 2, (path, near, far)


@needs_office
def test_libreoffice_pdf_of_a_gif_shows_the_chosen_frame_exactly(tmp_path):
    gif = solid_gif(str(tmp_path / "colours.gif"), [(200, 30, 30), (30, 160, 30), (30, 30, 200)])
    for choice, colour in [("last", (30, 30, 200)), ("first", (200, 30, 30)), ("1", (30, 160, 30))]:
        deck = tmp_path / f"deck-{choice}.pptx"
        assert main(["slides", gif, "-o", str(deck), "-q", "--poster", choice]) == 0
        presentation = pptx.Presentation(str(deck))
        region = picture_region(page_pixels(libreoffice_pdf(deck, tmp_path), 1, 40),
                                pictures(presentation.slides[0])[0], presentation.slide_width)
        assert np.abs(region.astype(int) - colour).max() <= 6, (choice, region.mean(axis=(0, 1)))


@needs_office
def test_libreoffice_pdf_holds_every_title_and_caption_within_its_box(tmp_path):
    """A long caption is measured: it takes the lines it needs above the picture, none cut, none under it."""
    pypdf = pytest.importorskip("pypdf", reason="pypdf reads the PDF's text back (in the 'test' extra)")
    from renderers.deck import Slide, make_deck
    gif = solid_gif(str(tmp_path / "a.gif"), [(250, 250, 250), (240, 240, 240)], size=(640, 360))
    caption = ("SGD · lr=1.0 · decay=0.001 · momentum=0.9 | AdaGrad · lr=1.0 · decay=0.0001 | "
               "RMSProp · lr=0.02 · decay=1e-05 · rho=0.999 | Adam · lr=0.05 · decay=5e-07")
    title = "Figure 19: SGD with decay 1e-3 and momentum 0.9, the best SGD run of the chapter"
    deck = tmp_path / "race.pptx"
    for aspect in ("16:9", "4:3"):
        make_deck([Slide(gif, caption, title=title)], str(deck), aspect=aspect)
        presentation = pptx.Presentation(str(deck))
        slide = presentation.slides[0]
        box = next(shape for shape in slide.shapes if shape.name == "Caption")
        picture = pictures(slide)[0]
        assert box.top + box.height <= picture.top
        pdf = pypdf.PdfReader(libreoffice_pdf(deck, tmp_path))
        height_pt = presentation.slide_height / 12700
        found = []

        def seen(text, cm, tm, *_):
            if text.strip():
                found.append((text, height_pt - (cm[5] + tm[5])))          # from the top of the page, in points

        page_text = pdf.pages[0].extract_text(visitor_text=seen)
        words = " ".join(page_text.split())
        assert caption in words and title in words                      # nothing cut
        picture_top = picture.top / 12700
        for text, y in found:
            assert y < picture_top, (text, y, picture_top)               # every line of text above the picture

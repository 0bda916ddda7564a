"""`animator slides`: a deck read back with python-pptx, and opened by a real reader (LibreOffice) where installed."""

import os
import re
import shutil
import subprocess

import pytest

pptx = pytest.importorskip("pptx", reason="python-pptx is the 'slides' extra (in the 'test' extra too)")
from pptx.enum.shapes import MSO_SHAPE_TYPE  # noqa: E402

from animator_app.cli import main  # noqa: E402
from renderers.writers import read_metadata  # noqa: E402

SMALL = ["--epochs", "120", "--frames", "6", "--grid", "40", "--size", "640x360", "-q"]


@pytest.fixture(scope="module")
def animations(tmp_path_factory):
    """A GIF and a PNG of two training runs and an MP4 of a descent, as animator makes them."""
    folder = tmp_path_factory.mktemp("animations")
    gif, mp4, png = (str(folder / name) for name in ("sgd.gif", "ball.mp4", "adam.png"))
    assert main(["train", "--decay", "1e-3", "--momentum", "0.9", "-o", gif, *SMALL]) == 0
    assert main(["descent", "--preset", "momentum-fast", "--steps", "40", "-o", mp4, "--size", "640x360", "-q"]) == 0
    assert main(["train", "--optimizer", "adam", "--lr", "0.05", "-o", png, *SMALL]) == 0
    return [gif, mp4, png]


def shapes(slide):
    return {shape.shape_type: shape for shape in slide.shapes}


def test_one_slide_per_animation_in_order_with_its_caption(animations, tmp_path, capsys):
    deck = tmp_path / "lecture.pptx"
    assert main(["slides", *animations, "-o", str(deck), "--title", "Chapter 10: Optimizers"]) == 0
    assert "3 slides and a title slide" in capsys.readouterr().err
    presentation = pptx.Presentation(str(deck))
    slides = list(presentation.slides)
    assert len(slides) == 4
    assert slides[0].shapes.title.text == "Chapter 10: Optimizers"
    expected = [MSO_SHAPE_TYPE.PICTURE, MSO_SHAPE_TYPE.MEDIA, MSO_SHAPE_TYPE.PICTURE]
    for slide, path, kind in zip(slides[1:], animations, expected):
        found = shapes(slide)
        caption = found[MSO_SHAPE_TYPE.TEXT_BOX].text_frame.text
        assert caption == read_metadata(path)["caption"]
        assert kind in found
    assert shapes(slides[1])[MSO_SHAPE_TYPE.TEXT_BOX].text_frame.text.startswith("SGD")
    assert shapes(slides[3])[MSO_SHAPE_TYPE.TEXT_BOX].text_frame.text.startswith("Adam")
    picture = shapes(slides[1])[MSO_SHAPE_TYPE.PICTURE]
    assert picture.image.content_type == "image/gif" and picture.image.blob == open(animations[0], "rb").read()
    movie = shapes(slides[2])[MSO_SHAPE_TYPE.MEDIA]
    assert movie._element.xpath(".//a:videoFile")               # a video, not a still
    poster_id = movie._element.xpath(".//a:blip/@r:embed")[0]   # with a poster frame to show until it plays
    poster = slides[2].part.related_part(poster_id)
    assert poster.content_type == "image/png" and poster.blob[:8] == b"\x89PNG\r\n\x1a\n"


def test_the_slide_shape_and_the_picture_fit_inside(animations, tmp_path):
    for aspect, (width, height) in {"16:9": (12192000, 6858000), "4:3": (9144000, 6858000)}.items():
        deck = tmp_path / f"deck-{aspect.replace(':', 'x')}.pptx"
        assert main(["slides", animations[0], "-o", str(deck), "--aspect", aspect, "-q"]) == 0
        presentation = pptx.Presentation(str(deck))
        assert abs(presentation.slide_width - width) < 1000 and presentation.slide_height == height
        picture = shapes(presentation.slides[0])[MSO_SHAPE_TYPE.PICTURE]
        assert 0 <= picture.left and picture.left + picture.width <= presentation.slide_width
        assert 0 <= picture.top and picture.top + picture.height <= presentation.slide_height
        assert picture.width / picture.height == pytest.approx(640 / 360, rel=0.01)


def test_the_same_command_gives_the_same_bytes(animations, tmp_path):
    first, second = tmp_path / "a.pptx", tmp_path / "b.pptx"
    for deck in (first, second):
        assert main(["slides", *animations, "-o", str(deck), "-q"]) == 0
    assert first.read_bytes() == second.read_bytes()


def test_a_file_from_elsewhere_is_captioned_with_its_name(tmp_path):
    from PIL import Image
    still = tmp_path / "my_figure.png"
    Image.new("RGB", (320, 240), "white").save(still)
    deck = tmp_path / "deck.pptx"
    assert main(["slides", str(still), "-o", str(deck), "-q"]) == 0
    slide = pptx.Presentation(str(deck)).slides[0]
    assert shapes(slide)[MSO_SHAPE_TYPE.TEXT_BOX].text_frame.text == "my_figure"


@pytest.mark.parametrize("argv, message", [
    (["GIF", "-o", "deck.pptx", "--aspect", "3:2"], "unknown aspect '3:2'"),
    (["GIF", "-o", "deck.pdf"], "a deck is written as .pptx"),
    (["missing.gif", "-o", "deck.pptx"], "missing.gif: no such file"),
    (["page.html", "-o", "deck.pptx"], "not an animation a deck can hold"),
])
def test_bad_decks_are_one_line_errors_and_write_nothing(animations, tmp_path, capsys, argv, message):
    os.chdir(tmp_path)
    (tmp_path / "page.html").write_text("<p>")
    argv = [animations[0] if a == "GIF" else a for a in argv]
    assert main(["slides", *argv]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and message in err
    assert not any(name.endswith((".pptx", ".pdf")) for name in os.listdir(tmp_path))


@pytest.mark.skipif(shutil.which("soffice") is None,
                    reason="LibreOffice (soffice) is not installed: apt-get install libreoffice-impress")
def test_libreoffice_opens_the_deck_and_its_pdf_shows_every_poster(animations, tmp_path):
    pypdf = pytest.importorskip("pypdf", reason="pypdf reads the PDF back (in the 'test' extra)")
    deck = tmp_path / "lecture.pptx"
    assert main(["slides", *animations, "-o", str(deck), "--title", "Optimizers", "-q"]) == 0
    profile = tmp_path / "lo-profile"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to", "pdf",
                    "--outdir", str(tmp_path), str(deck)], check=True, capture_output=True, timeout=240)
    pdf = pypdf.PdfReader(str(tmp_path / "lecture.pdf"))
    assert len(pdf.pages) == 4
    for page, path in zip(pdf.pages[1:], animations):
        drawn = re.findall(rb"/(\w+) Do", page.get_contents().get_data())
        images = {image.name.split(".")[0]: image.image for image in page.images}
        shown = [images[name.decode()] for name in drawn if name.decode() in images]
        # the GIF's first frame, the video's poster frame, the PNG: one picture the animation's size
        assert [image.size for image in shown] == [(640, 360)]
        assert max(shown[0].convert("L").getextrema()) > min(shown[0].convert("L").getextrema())   # not blank
        assert read_metadata(path)["caption"] in page.extract_text().replace("\n", " ")

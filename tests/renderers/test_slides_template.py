"""`animator slides --template school.pptx`: the template's size, layouts and fonts; a template is data, checked."""

import io
import os
import zipfile

import pytest

pptx = pytest.importorskip("pptx", reason="python-pptx is the 'slides' extra (in the 'test' extra too)")
from pptx.enum.shapes import PP_PLACEHOLDER  # noqa: E402
from pptx.opc.constants import RELATIONSHIP_TYPE as RT  # noqa: E402

from animator_app.cli import main  # noqa: E402
from decks import libreoffice_pdf, needs_office, solid_gif  # noqa: E402
from test_slides_untrusted import refused, small_png  # noqa: E402

FONT = "Liberation Serif"


def school_template(path, *, titles=True):
    """A 4:3 template in German, whose theme sets every font to a serif, with an example slide of its own."""
    deck = pptx.Presentation()
    theme = deck.slide_master.part.part_related_by(RT.THEME)
    theme._blob = theme.blob.replace(b'typeface="Calibri"', f'typeface="{FONT}"'.encode())
    names = ["Titelfolie", "Titel und Inhalt", "Abschnitt", "Zwei Inhalte", "Vergleich", "Nur Titel", "Leer"]
    for layout, name in zip(deck.slide_layouts, names):
        layout.name = name
    for layout in deck.slide_layouts:
        if not titles:
            for placeholder in list(layout.placeholders):
                if placeholder.placeholder_format.type in (PP_PLACEHOLDER.TITLE, PP_PLACEHOLDER.CENTER_TITLE):
                    placeholder._element.getparent().remove(placeholder._element)
    example = deck.slides.add_slide(deck.slide_layouts[1])
    if titles:
        example.shapes.title.text = "EXAMPLE SLIDE"
    deck.save(str(path))
    return path


def test_a_deck_on_a_template_has_its_size_layouts_and_fonts_and_none_of_its_slides(tmp_path):
    template = school_template(tmp_path / "school.pptx")
    gif = solid_gif(str(tmp_path / "a.gif"), ["red", "blue"])
    deck = tmp_path / "deck.pptx"
    assert main(["slides", gif, "-o", str(deck), "--template", str(template), "--title", "Optimizers", "-q"]) == 0
    presentation = pptx.Presentation(str(deck))
    assert (presentation.slide_width, presentation.slide_height) == (9144000, 6858000)     # the template's 4:3
    cover, slide = presentation.slides
    assert cover.slide_layout.name == "Titelfolie" and slide.slide_layout.name == "Nur Titel"
    assert slide.shapes.title.text == "a" and "EXAMPLE" not in "".join(
        shape.text_frame.text for s in presentation.slides for shape in s.shapes if shape.has_text_frame)
    theme = presentation.slide_master.part.part_related_by(RT.THEME)
    assert FONT.encode() in theme.blob
    runs = [run for shape in slide.shapes if shape.has_text_frame for p in shape.text_frame.paragraphs
            for run in p.runs]
    assert all(run.font.name is None for run in runs)        # no typeface of our own: the theme's shows


@needs_office
def test_libreoffice_draws_the_templates_fonts(tmp_path):
    pypdf = pytest.importorskip("pypdf", reason="pypdf reads the PDF's fonts (in the 'test' extra)")
    template = school_template(tmp_path / "school.pptx")
    gif = solid_gif(str(tmp_path / "a.gif"), ["red", "blue"])
    deck = tmp_path / "deck.pptx"
    assert main(["slides", gif, "-o", str(deck), "--template", str(template), "-q"]) == 0
    page = pypdf.PdfReader(libreoffice_pdf(deck, tmp_path)).pages[0]
    fonts = [str(font.get_object().get("/BaseFont")) for font in page["/Resources"]["/Font"].values()]
    assert any("LiberationSerif" in font for font in fonts), fonts


def bomb_template(path):
    """A zip whose one part claims to inflate to 2 GiB (a bomb's header; its bytes are few)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", b"<x/>" * 10)
    data = bytearray(buffer.getvalue())
    central = data.rindex(b"PK\x01\x02")
    data[central + 24:central + 28] = (2 << 30).to_bytes(4, "little")       # uncompressed size
    path.write_bytes(bytes(data))
    return path


@pytest.mark.parametrize("make, expect", [
    (lambda p: p.write_bytes(b"not a zip at all"), "not a PowerPoint template (.pptx is a zip package"),
    (lambda p: p.write_bytes(_zip({"hello.txt": b"hi"})), "not a PowerPoint presentation python-pptx can open"),
    (bomb_template, "inflates to 2048 MiB, more than the 256 MiB a template may (a zip bomb?)"),
    (lambda p: school_template(p, titles=False), "has no slide layout with a title across the slide"),
    (lambda p: os.mkfifo(p), "school.pptx: is a named pipe (FIFO), not a regular file"),
    (lambda p: None, "school.pptx: no such file"),
])
def test_a_template_that_is_not_sound_is_one_line_and_no_deck(tmp_path, capsys, make, expect):
    template = tmp_path / "school.pptx"
    make(template)
    (tmp_path / "still.png").write_bytes(small_png())
    refused(capsys, tmp_path, tmp_path / "still.png", extra=["--template", str(template)], expect=expect)


def test_a_template_larger_than_a_template_may_be_is_refused_before_it_is_read(tmp_path, capsys):
    template = tmp_path / "school.pptx"
    with open(template, "wb") as handle:
        handle.truncate(100 << 20)                            # sparse: no blocks on disk
    (tmp_path / "still.png").write_bytes(small_png())
    refused(capsys, tmp_path, tmp_path / "still.png", extra=["--template", str(template)],
            expect="school.pptx: larger than the 64 MiB animator reads for it")


@pytest.mark.parametrize("extra, expect", [
    (["--template", "school.potx"], "--template school.potx: a template is a .pptx presentation"),
    (["--template", "school.pptx", "--aspect", "16:9"], "--aspect does not apply with a template"),
])
def test_template_options_that_do_not_go_together(tmp_path, capsys, extra, expect):
    school_template(tmp_path / "school.pptx")
    (tmp_path / "still.png").write_bytes(small_png())
    extra = [str(tmp_path / e) if e.startswith("school") else e for e in extra]
    refused(capsys, tmp_path, tmp_path / "still.png", extra=extra, expect=expect.replace(
        "school.potx", str(tmp_path / "school.potx")))


def _zip(members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        for name, data in members.items():
            package.writestr(name, data)
    return buffer.getvalue()

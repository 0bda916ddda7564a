"""`animator slides ... -o lecture.tex`: a Beamer source that pdflatex compiles, posters in print, text escaped."""

import os
import re

import numpy as np
import pytest

from animator_app.book import jobs
from animator_app.cli import main
from renderers.beamer import latex_text
from renderers.writers.metadata import with_png_text
from decks import needs_latex, page_pixels, pdflatex, solid_gif
from test_slides_untrusted import small_png

SMALL = ["--epochs", "120", "--frames", "6", "--grid", "40", "--size", "480x270", "-q"]
ANIMATE = re.compile(r"\\animategraphics\[([^\]]*)\]\{([^}]*)\}\{([^}]*)\}\{([^}]*)\}\{([^}]*)\}")
RED, GREEN, BLUE = (200, 30, 30), (30, 160, 30), (30, 30, 200)
HOSTILE = ["\\input{/etc/passwd}", "}\\end{document}", "100% & $x^2$ #1 _a ~b {c}", "^^5cinput", "\\\\", "a\nb",
           "ρ β 日本 \u202e é ü ß × — …", "\\csname end\\endcsname", "\\def\\x{\\x}\\x", "<>|\""]


@pytest.mark.parametrize("text", HOSTILE)
def test_latex_text_lets_through_nothing_latex_would_obey(text):
    escaped = latex_text(text)
    assert escaped.isascii() and "\n" not in escaped
    commands = set(re.findall(r"\\([A-Za-z]+)", escaped))
    assert commands <= {"textbackslash", "textasciicircum", "textasciitilde", "textless", "textgreater", "textbar",
                        "cdot", "times", "dots", "ss", "ae", "AE", "o", "O", "pm", "to"}, commands
    unescaped = re.sub(r"\\[A-Za-z]+\{\}|\\[A-Za-z]+|\\[{}$&#_%'`^\"~=]|\$\\[a-z]+\$", "", escaped)
    assert not set(unescaped) & set("\\{}$&#^_%~"), unescaped


def test_accented_letters_and_the_middle_dot_are_spelled_as_latex_spells_them():
    assert latex_text("SGD · lr=1 — é ü") == "SGD $\\cdot$ lr=1 --- \\'e \\\"u"


@pytest.fixture(scope="module")
def gif(tmp_path_factory):
    return solid_gif(str(tmp_path_factory.mktemp("gif") / "colours.gif"), [RED, GREEN, BLUE])


def tex(tmp_path, *files, extra=()):
    source = tmp_path / "lecture.tex"
    assert main(["slides", *map(str, files), "-o", str(source), "-q", *extra]) == 0
    return source


@pytest.mark.slow
def test_frames_titles_notes_and_relative_paths_only(gif, tmp_path):
    source = tex(tmp_path, gif, extra=["--title", "Optimizers"])
    text = source.read_text()
    assert text.count("\\begin{frame}") == 2 and "\\titlepage" in text and "\\note{" in text
    assert "\\setbeamertemplate{navigation symbols}{}" in text and "aspectratio=169" in text
    options, rate, base, first, last = ANIMATE.search(text).groups()
    assert "poster=last" in options.split(",") and "autoplay" in options and "controls" in options
    assert "loop" not in options.split(",")
    assert base == "lecture-frames/s01-" and (first, last) == ("0000", "0002") and rate == "10"
    assert sorted(os.listdir(tmp_path / "lecture-frames")) == [".animator-slides", "s01-0000.png", "s01-0001.png",
                                                               "s01-0002.png"]
    assert str(tmp_path) not in text and not re.search(r"[{\s]/", text)      # no local path anywhere
    second = tmp_path / "again"
    second.mkdir()
    assert tex(second, gif, extra=["--title", "Optimizers"]).read_bytes() == source.read_bytes()
    for name in os.listdir(tmp_path / "lecture-frames"):
        assert (second / "lecture-frames" / name).read_bytes() == (tmp_path / "lecture-frames" / name).read_bytes()


@pytest.mark.slow
@pytest.mark.parametrize("extra, options", [(["--poster", "first"], "poster=0"), (["--poster", "1"], "poster=1"),
                                            (["--start", "click", "--loop"], "loop")])
def test_the_poster_start_and_loop_are_chosen(gif, tmp_path, extra, options):
    chosen = ANIMATE.search(tex(tmp_path, gif, extra=extra).read_text()).group(1).split(",")
    assert options in chosen
    assert ("autoplay" in chosen) == ("click" not in extra)


@pytest.mark.slow
@needs_latex
@pytest.mark.parametrize("extra, colour", [([], BLUE), (["--poster", "first"], RED), (["--poster", "1"], GREEN)])
def test_pdflatex_compiles_it_and_the_page_shows_the_poster(gif, tmp_path, extra, colour):
    pdf = pdflatex(tex(tmp_path, gif, extra=extra))
    pixels = page_pixels(pdf, 1, 60)
    height, width = pixels.shape[:2]
    middle = pixels[int(height * 0.45), width // 2].astype(int)
    assert np.abs(middle - colour).max() <= 8, middle


def boxes(page, kind):
    """The rectangles of ``page``'s annotations of ``kind`` (animate also puts a 3x3 pt helper at a corner)."""
    found = []
    for annotation in page.get("/Annots", []):
        annotation = annotation.get_object()
        left, bottom, right, top = (float(v) for v in annotation["/Rect"])
        if annotation["/Subtype"] == kind and (right - left) * (top - bottom) > 20:
            found.append((left, bottom, right, top))
    return found


@pytest.mark.slow
@needs_latex
def test_pdflatex_places_the_controls_clear_of_the_navigation_symbols(gif, tmp_path):
    """The source turns the symbols off; put back (as a theme might), they and the controls still do not meet."""
    pypdf = pytest.importorskip("pypdf", reason="pypdf reads the PDF's annotations (in the 'test' extra)")
    source = tex(tmp_path, gif)
    page = pypdf.PdfReader(pdflatex(source)).pages[0]
    assert not boxes(page, "/Link")
    text = source.read_text()
    (tmp_path / "symbols.tex").write_text(text.replace("\\setbeamertemplate{navigation symbols}{}\n", ""))
    page = pypdf.PdfReader(pdflatex(tmp_path / "symbols.tex")).pages[0]
    width, height = float(page.mediabox.width), float(page.mediabox.height)
    controls, symbols = boxes(page, "/Widget"), boxes(page, "/Link")
    assert len(controls) > 5 and len(symbols) > 5
    for left, bottom, right, top in controls:
        assert 0 <= left < right <= width and 0 <= bottom < top <= height
        for s_left, s_bottom, s_right, s_top in symbols:
            assert right <= s_left or s_right <= left or top <= s_bottom or s_top <= bottom


@pytest.mark.slow
@needs_latex
def test_pdflatex_compiles_captions_made_to_break_it(tmp_path):
    files = []
    for number, caption in enumerate(HOSTILE):
        still = tmp_path / f"still{number}.png"
        still.write_bytes(with_png_text(small_png((64, 36)), '{"caption": %s}' % __import__("json").dumps(caption)))
        files.append(still)
    pdf = pdflatex(tex(tmp_path, *files, extra=["--title", "\\input{/etc/passwd} 100%"]))
    pypdf = pytest.importorskip("pypdf", reason="pypdf reads the PDF back (in the 'test' extra)")
    pages = pypdf.PdfReader(pdf).pages
    assert len(pages) == len(HOSTILE) + 1
    assert "root:" not in "".join(page.extract_text() for page in pages)


@pytest.mark.slow
@needs_latex
def test_pdflatex_compiles_a_whole_book_folder_in_the_chapters_order(reduced_book, tmp_path):
    folder, result = reduced_book
    assert result.code == 0, result
    source = tmp_path / "lecture.tex"
    assert main(["slides", str(folder), "-o", str(source), "--aspect", "4:3", "-q"]) == 0
    text = source.read_text()
    titles = re.findall(r"\\begin\{frame\}\{([^\n]*)\}\n", text)
    assert len(titles) == len(jobs()) and titles[0].startswith("Figure 1:") and titles[1].startswith("Figure 2:")
    assert "\\includegraphics[" in text and text.count("\\note{") == len(jobs())
    assert "aspectratio=43" in text and str(folder) not in text
    pypdf = pytest.importorskip("pypdf", reason="pypdf reads the PDF back (in the 'test' extra)")
    assert len(pypdf.PdfReader(pdflatex(source)).pages) == len(jobs())


@pytest.mark.slow
def test_a_video_becomes_frames_at_its_rate(tmp_path):
    video = tmp_path / "ball.mp4"
    assert main(["descent", "--preset", "good", "--steps", "20", "-o", str(video), "--size", "480x270", "--fps", "12",
                 "--hold", "0", "-q"]) == 0
    options, rate, base, first, last = ANIMATE.search(tex(tmp_path, video).read_text()).groups()
    assert rate == "12" and int(last) + 1 == len([n for n in os.listdir(tmp_path / "lecture-frames")
                                                  if n.endswith(".png")])


@pytest.mark.slow
def test_a_folder_not_ours_a_damaged_input_and_a_rewrite(gif, tmp_path, capsys):
    (tmp_path / "lecture-frames").mkdir()
    (tmp_path / "lecture-frames" / "thesis.png").write_bytes(b"mine")
    assert main(["slides", gif, "-o", str(tmp_path / "lecture.tex")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "lecture-frames: exists and is not a folder of frames animator wrote" in err
    assert os.listdir(tmp_path / "lecture-frames") == ["thesis.png"] and not (tmp_path / "lecture.tex").exists()
    os.unlink(tmp_path / "lecture-frames" / "thesis.png")
    os.rmdir(tmp_path / "lecture-frames")
    damaged = tmp_path / "cut.gif"
    damaged.write_bytes(open(gif, "rb").read()[:60])
    assert main(["slides", gif, str(damaged), "-o", str(tmp_path / "lecture.tex")]) == 2
    assert "cut.gif" in capsys.readouterr().err
    assert sorted(os.listdir(tmp_path)) == ["cut.gif"]          # no source, no frames, no staging left behind
    tex(tmp_path, gif, gif)
    tex(tmp_path, gif)                                          # written again: the second slide's frames go
    assert sorted(os.listdir(tmp_path / "lecture-frames"))[1:] == ["s01-0000.png", "s01-0001.png", "s01-0002.png"]
    assert not [name for name in os.listdir(tmp_path) if name.startswith(".")]


@pytest.mark.slow
@pytest.mark.parametrize("extra, expect", [([], "poster=last"), (["--poster", "first"], "poster=0")])
def test_latex_lines_of_a_frames_folder_carry_the_poster(cli, tmp_path, extra, expect):
    result = cli("train", *SMALL, "--latex", "-o", f"{tmp_path}/frames/", *extra)
    assert result.code == 0, result
    options = ANIMATE.search((tmp_path / "frames" / "animation.tex").read_text()).group(1).split(",")
    assert expect in options

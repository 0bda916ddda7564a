r"""A LaTeX Beamer source from finished animations: a frame per slide with its title, caption, animation and notes.

>>> make_beamer([Slide("sgd.gif", "SGD · lr=1.0", title="Figure 1")], "lecture.tex")   # doctest: +SKIP

writes ``lecture.tex`` and, beside it, ``lecture-frames/``: each animation's
frames as PNGs (LaTeX's ``animate`` package plays numbered frames, not a GIF
or a video) and each still.  ``pdflatex lecture.tex`` in that folder makes the
PDF.  Each animation is an ``\animategraphics`` with ``poster`` set, so a PDF
viewer without JavaScript and a printout show the poster (the last frame
unless another is chosen), never the untrained first frame; Beamer's
navigation symbols are switched off and the animation is sized to leave room
under it, so the animation's controls have the frame's bottom to themselves.

The source names its frames by relative paths only, and every text in it
(titles, captions and notes come from files: data) goes through
:func:`latex_text`, which lets through nothing LaTeX would read as a command.
The same inputs give the same bytes.
"""

import contextlib
import os
import re
import shutil
import tempfile
import unicodedata

from animator.errors import ArgumentError, UserError
from animator.fileio import atomic_output, write_failure
from animator.untrusted import shown

from .deck import STARTS, _listed, deck_text, text_problem
from .deck_media import check_poster, deck_extensions, frames_of, input_size, kind_of, mib

ASPECT_RATIOS = {"16:9": "169", "4:3": "43"}     # Beamer's aspectratio option for each slide shape
MAX_SOURCE_BYTES = 1 << 30                       # every input together, decoded into frames
MARKER = ".animator-slides"                      # in a frames folder this command wrote, and may replace
ANIMATION_HEIGHT = 0.7                           # of the text height: the controls and caption fit under it

_SPECIAL = {"\\": r"\textbackslash{}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&", "#": r"\#",
            "^": r"\textasciicircum{}", "_": r"\_", "%": r"\%", "~": r"\textasciitilde{}", "<": r"\textless{}",
            ">": r"\textgreater{}", "|": r"\textbar{}", '"': "''", "\u00b7": r"$\cdot$", "\u00d7": r"$\times$",
            "\u2013": "--", "\u2014": "---", "\u2026": r"\dots{}", "\u2018": "`", "\u2019": "'", "\u201c": "``",
            "\u201d": "''", "\u00a0": "~", "\u00df": r"\ss{}", "\u00e6": r"\ae{}", "\u00c6": r"\AE{}",
            "\u00f8": r"\o{}", "\u00d8": r"\O{}", "\u2212": "-", "\u00b1": r"$\pm$", "\u2192": r"$\to$"}
_ACCENTS = {"\u0301": "'", "\u0300": "`", "\u0302": "^", "\u0308": '"', "\u0303": "~", "\u0327": "c ",
            "\u030a": "r ", "\u0304": "="}


def latex_text(text):
    r"""``text`` (from anywhere) as LaTeX that typesets it and does nothing else: one paragraph, pure ASCII.

    Specials are escaped, common punctuation and accented Latin letters are
    spelled as LaTeX spells them, anything else becomes ``?``.

    >>> latex_text("SGD · lr=1 & 50% \\input{x}")
    'SGD $\\cdot$ lr=1 \\& 50\\% \\textbackslash{}input\\{x\\}'
    """
    out = []
    for char in deck_text(text, limit=4000):
        if char in _SPECIAL:
            out.append(_SPECIAL[char])
        elif " " <= char <= "~":
            out.append(char)
        else:
            base, *marks = unicodedata.normalize("NFD", char)
            accent = _ACCENTS.get(marks[0]) if len(marks) == 1 else None
            out.append(f"\\{accent}{base}" if accent and base.isascii() and base.isalpha() else "?")
    return "".join(out)


def _paragraphs(text):
    return r" \par ".join(latex_text(line) for line in text.split("\n") if line.strip())


def frames_folder(output):
    """The folder of frames beside the source ``output``: ``lecture.tex`` -> ``lecture-frames`` (a name LaTeX
    reads as it is: letters, digits and hyphens)."""
    stem = re.sub(r"[^A-Za-z0-9]+", "-", os.path.splitext(os.path.basename(output))[0]).strip("-") or "slides"
    return os.path.join(os.path.dirname(output), f"{stem}-frames")


def check_beamer(paths, output, aspect, *, title=None):
    """Every check that needs no decoding: the title, the target .tex and its frames folder, and the inputs."""
    if aspect is not None and aspect not in ASPECT_RATIOS:
        raise ArgumentError("aspect", f"must be one of {', '.join(ASPECT_RATIOS)} (got {aspect!r})")
    if title is not None and text_problem(title):
        raise ArgumentError("title", text_problem(title))
    if not output.lower().endswith(".tex"):
        raise UserError(f"{output}: a Beamer source is written as .tex")
    folder = frames_folder(output)
    if os.path.lexists(folder) and (not os.path.isdir(folder) or os.path.islink(folder)
                                    or not os.path.isfile(os.path.join(folder, MARKER))):
        raise UserError(f"{folder}: exists and is not a folder of frames animator wrote; move it, or write the "
                        f"source elsewhere")
    taken = deck_extensions()
    if not paths:
        raise UserError(f"give at least one animation ({_listed(taken)})")
    total = 0
    for path in paths:
        if os.path.splitext(path)[1].lower() not in taken:
            raise UserError(f"{shown(path)}: not an animation a Beamer source can hold (expected {_listed(taken)})")
        total += input_size(path)
    if total > MAX_SOURCE_BYTES:
        raise UserError(f"the animations add up to {mib(total)}, more than the {mib(MAX_SOURCE_BYTES)} "
                        f"a Beamer source takes")


def make_beamer(slides, output, *, aspect=None, title=None, subtitle=None, poster=None, start="auto", loop=False,
                show_log=False):
    """Write the Beamer source ``output`` and its frames folder for ``slides``; return ``output``.

    ``poster`` is the frame a viewer without JavaScript and a printout show
    (``first``, ``last``, the default, or a frame's index), ``start`` whether
    animations play as their frame opens (``auto``) or on a click, and ``loop``
    whether they start again at their end.  Nothing is written unless every
    input reads; an earlier folder of frames is replaced only once the new one
    is complete.
    """
    check_beamer([slide.path for slide in slides], output, aspect, title=title)
    poster = check_poster(poster)
    if start not in STARTS:
        raise ArgumentError("start", f"must be {' or '.join(STARTS)} (got {start!r})")
    folder = frames_folder(output)
    parent = os.path.dirname(os.path.abspath(folder))
    try:
        staging = tempfile.mkdtemp(prefix=f".{os.path.basename(folder)}.", suffix=".part", dir=parent)
    except OSError as error:
        raise write_failure(output, error) from None
    try:
        frames = []
        with tempfile.TemporaryDirectory(prefix=".animator-beamer-") as scratch:
            for number, slide in enumerate(slides, start=1):
                frames.append(_write_frames(slide, staging, f"s{number:02d}", os.path.join(scratch, str(number)),
                                            poster=poster, show_log=show_log))
        with open(os.path.join(staging, MARKER), "w", encoding="ascii") as handle:
            handle.write("frames of a Beamer source written by animator slides\n")
        source = beamer_source(slides, frames, os.path.basename(folder), aspect=aspect or "16:9", title=title,
                               subtitle=subtitle, start=start, loop=loop)
        _swap(staging, folder)
    except OSError as error:
        shutil.rmtree(staging, ignore_errors=True)
        raise write_failure(folder, error) from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    with atomic_output(output) as temporary:
        with open(temporary, "w", encoding="ascii", newline="\n") as handle:
            handle.write(source)
    return output


def _write_frames(slide, staging, name, scratch, *, poster, show_log):
    """Write one slide's frames into ``staging``; ``(name, fps, count, poster index)``, count 0 for a still."""
    fps, pictures = frames_of(slide.path, scratch, show_log=show_log)
    if kind_of(slide.path) == "picture" and len(pictures) == 1:       # a still: shown as it is
        with open(os.path.join(staging, f"{name}.png"), "wb") as handle:
            handle.write(pictures[0])
        return name, None, 0, None
    count = len(pictures)
    index = count - 1 if poster in (None, "last") else 0 if poster == "first" else poster
    if index >= count:
        raise ArgumentError("poster", f"{poster}: {shown(slide.path)} has {count} frames (0-{count - 1})")
    for number, data in enumerate(pictures):
        with open(os.path.join(staging, f"{name}-{number:04d}.png"), "wb") as handle:
            handle.write(data)
    return name, fps, count, index


def _swap(staging, folder):
    """Put the complete ``staging`` folder at ``folder``, removing an earlier one this command wrote."""
    old = None
    if os.path.lexists(folder):
        old = tempfile.mkdtemp(prefix=f".{os.path.basename(folder)}.", suffix=".old",
                               dir=os.path.dirname(os.path.abspath(folder)))
        os.rmdir(old)
        os.replace(folder, old)
    try:
        os.replace(staging, folder)
    except BaseException:
        if old is not None:
            with contextlib.suppress(OSError):
                os.replace(old, folder)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def beamer_source(slides, frames, folder, *, aspect, title, subtitle, start, loop):
    """The text of the source: a title frame if ``title``, then one frame per slide."""
    lines = [f"\\documentclass[aspectratio={ASPECT_RATIOS[aspect]}]{{beamer}}",
             "% written by animator slides; compile with pdflatex in this folder",
             "\\usepackage{animate}",
             "\\usepackage{graphicx}",
             "% no navigation symbols: each animation's controls sit at the bottom of its frame",
             "\\setbeamertemplate{navigation symbols}{}"]
    if title:
        lines += [f"\\title{{{latex_text(title)}}}"]
        lines += [f"\\subtitle{{{latex_text(subtitle)}}}"] if subtitle else []
        lines += ["\\date{}"]
    lines += ["\\begin{document}"]
    if title:
        lines += ["\\begin{frame}", "  \\titlepage", "\\end{frame}"]
    size = f"width=\\linewidth,height={ANIMATION_HEIGHT}\\textheight,keepaspectratio"
    for slide, (name, fps, count, index) in zip(slides, frames):
        lines += [f"\\begin{{frame}}{{{latex_text(slide.title or slide.caption)}}}", "  \\centering"]
        if slide.title and slide.caption and slide.caption != slide.title:
            lines += [f"  {{\\small {latex_text(slide.caption)}\\par}}", "  \\medskip"]
        if count:
            options = [*(["autoplay"] if start == "auto" else []), *(["loop"] if loop else []), "controls",
                       f"poster={'last' if index == count - 1 else index}", size]
            digits = 4
            lines += [f"  \\animategraphics[{','.join(options)}]{{{fps:g}}}{{{folder}/{name}-}}"
                      f"{{{0:0{digits}d}}}{{{count - 1:0{digits}d}}}"]
        else:
            lines += [f"  \\includegraphics[{size}]{{{folder}/{name}.png}}"]
        if slide.notes:
            lines += [f"  \\note{{{_paragraphs(slide.notes)}}}"]
        lines += ["\\end{frame}"]
    lines += ["\\end{document}"]
    return "\n".join(lines) + "\n"

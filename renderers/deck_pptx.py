"""The PowerPoint side of a deck: the presentation (blank or a template), layouts, fitted text and timings.

A slide is a *Title Only* layout's title (so the deck has an outline a screen
reader and the slide sorter can read), a caption measured to fit, the
animation below, speaker notes and alt text.  An animated GIF lies *under* a
still of its poster that vanishes as the slide starts: the slide show plays
the GIF, while a printout or a PDF export (which draws every shape, ignoring
the timings) shows the poster instead of the GIF's first frame.  A video shows
its poster frame until it plays.

Text is measured, not guessed: with DejaVu Sans, wider than the fonts of
Office's themes and the font LibreOffice falls back to, so a line measured to
fit does fit.
"""

import io
import os
import zipfile
from functools import lru_cache

from animator.errors import UserError
from animator.untrusted import read_bounded, shown

from .deck_media import mib

EMU_PER_INCH = 914400
EMU_PER_PT = 12700
ASPECTS = {"16:9": (12192000, 6858000), "4:3": (9144000, 6858000)}   # slide size in EMU, as PowerPoint's own
MAX_TEMPLATE_BYTES = 64 << 20          # a school's template with its pictures: a few MB
MAX_TEMPLATE_PARTS = 4000
MAX_TEMPLATE_INFLATED = 256 << 20      # what its parts inflate to, all held in memory by python-pptx
TITLE_SIZES = (36, 32, 28, 24)         # points, largest first; a title takes one line, else two
CAPTION_SIZES = (20, 18, 16)
LINE_SPACING = 1.25                    # of the type size; DejaVu Sans's own is 1.16
INSET = 91440                          # a text box's default left and right inset (0.1 in)
INSET_Y = 45720                        # and top and bottom inset


# -- the presentation ---------------------------------------------------------------------------------

def read_template(path):
    """The bytes of the .pptx template ``path``, checked: bounded, a sound zip of bounded parts, and it must open."""
    label = shown(path)
    data = read_bounded(path, MAX_TEMPLATE_BYTES, what=label)
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as package:
            parts = package.infolist()
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        raise UserError(f"{label}: not a PowerPoint template (.pptx is a zip package; this is not one)") from None
    if len(parts) > MAX_TEMPLATE_PARTS:
        raise UserError(f"{label}: {len(parts)} parts, more than the {MAX_TEMPLATE_PARTS} a template may hold")
    inflated = sum(part.file_size for part in parts)
    if inflated > MAX_TEMPLATE_INFLATED:
        raise UserError(f"{label}: inflates to {mib(inflated)}, more than the {mib(MAX_TEMPLATE_INFLATED)} "
                        f"a template may (a zip bomb?)")
    opened(data, label)
    return data


def opened(data, label):
    """python-pptx's Presentation of the template bytes ``data``; one line if it cannot open it."""
    import pptx

    try:
        deck = pptx.Presentation(io.BytesIO(data))
    except Exception as error:  # python-pptx raises many kinds on a damaged package: each is one line here
        reason = str(error).splitlines()[0] if str(error) else type(error).__name__
        raise UserError(f"{label}: not a PowerPoint presentation python-pptx can open ({shown(reason)[:120]})") \
            from None
    layouts(deck, label)
    return deck


def new_presentation(aspect, template=None, label=None):
    """A presentation without slides: python-pptx's own at ``aspect``, or the template's (its size and layouts)."""
    import pptx
    from pptx.util import Emu

    if template is not None:
        deck = opened(template, label)
        for slide_id in list(deck.slides._sldIdLst):          # the template's own slides are examples, not ours
            deck.part.drop_rel(slide_id.rId)
            deck.slides._sldIdLst.remove(slide_id)
        return deck
    deck = pptx.Presentation()
    width, height = ASPECTS[aspect]
    _widen(deck, width / deck.slide_width)
    deck.slide_width, deck.slide_height = Emu(width), Emu(height)
    return deck


def _widen(deck, factor):
    """Stretch the master's and layouts' boxes across by ``factor``: python-pptx's 4:3 layouts made 16:9, centred."""
    if factor == 1:
        return
    for part in [deck.slide_master, *deck.slide_layouts]:
        for xfrm in part._element.xpath(".//p:spPr/a:xfrm"):
            offset, extent = xfrm.find(_qn("a:off")), xfrm.find(_qn("a:ext"))
            if offset is not None and extent is not None:
                offset.set("x", str(round(int(offset.get("x")) * factor)))
                extent.set("cx", str(round(int(extent.get("cx")) * factor)))


def layouts(deck, label="the presentation"):
    """``(cover, slide)``: a Title Slide layout (centred title and subtitle) and a Title Only layout of ``deck``.

    Layouts are chosen by their placeholders, never by name (names are in the
    template's language): the slide layout has a horizontal title and as few
    other placeholders as there are; the cover has a centred title and a
    subtitle, else it is the slide layout.
    """
    from pptx.enum.shapes import PP_PLACEHOLDER

    def kinds(layout):
        return [ph.placeholder_format.type for ph in layout.placeholders]

    side = (PP_PLACEHOLDER.DATE, PP_PLACEHOLDER.FOOTER, PP_PLACEHOLDER.SLIDE_NUMBER)
    titled = []
    for index, layout in enumerate(deck.slide_layouts):
        title = next((ph for ph in layout.placeholders if ph.placeholder_format.type == PP_PLACEHOLDER.TITLE), None)
        if title is not None and title.width is not None and title.width > (title.height or 0):
            others = [kind for kind in kinds(layout) if kind not in side and kind != PP_PLACEHOLDER.TITLE]
            titled.append((len(others), index, layout))
    if not titled:
        raise UserError(f"{label}: has no slide layout with a title across the slide")
    slide = min(titled, key=lambda item: item[:2])[2]
    cover = next((layout for layout in deck.slide_layouts
                  if {PP_PLACEHOLDER.CENTER_TITLE, PP_PLACEHOLDER.SUBTITLE} <= set(kinds(layout))), slide)
    return cover, slide


def _qn(tag):
    from pptx.oxml.ns import qn
    return qn(tag)


# -- text that fits ---------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _font():
    import matplotlib
    from PIL import ImageFont
    return ImageFont.truetype(os.path.join(matplotlib.get_data_path(), "fonts", "ttf", "DejaVuSans.ttf"), 100)


def wrapped(text, size, width):
    """The lines ``text`` takes at ``size`` points in a box ``width`` EMU wide (insets included), word by word."""
    room = (width - 2 * INSET) / EMU_PER_PT * 100 / size       # in units of the font at 100 points
    measure = _font().getlength
    lines = []
    for paragraph in text.split("\n"):
        line = ""
        for word in paragraph.split(" "):
            trial = f"{line} {word}" if line else word
            if measure(trial) <= room:
                line = trial
                continue
            if line:
                lines.append(line)
            while measure(word) > room and len(word) > 1:      # a word wider than the box breaks anywhere
                cut = max(1, next(i for i in range(len(word), 0, -1) if measure(word[:i]) <= room or i == 1))
                lines.append(word[:cut])
                word = word[cut:]
            line = word
        lines.append(line)
    return lines


def fit(text, width, sizes, max_lines=2):
    """``(size, lines)``: the largest of ``sizes`` at which ``text`` takes one line, else ``max_lines``, else the
    smallest size and the lines it takes there."""
    for allowed in range(1, max_lines + 1):
        for size in sizes:
            lines = len(wrapped(text, size, width))
            if lines <= allowed:
                return size, lines
    return sizes[-1], len(wrapped(text, sizes[-1], width))


def box_height(size, lines):
    """The height in EMU of a text box holding ``lines`` lines at ``size`` points, insets included."""
    return round(lines * size * LINE_SPACING * EMU_PER_PT) + 2 * INSET_Y


def set_text(frame, text, size):
    """``frame`` holds ``text`` at ``size`` points, wrapping, never resized or shrunk by the viewer."""
    from pptx.enum.text import MSO_AUTO_SIZE, MSO_ANCHOR
    from pptx.util import Pt

    frame.text = text
    frame.word_wrap = True
    frame.auto_size = MSO_AUTO_SIZE.NONE
    frame.vertical_anchor = MSO_ANCHOR.TOP
    for paragraph in frame.paragraphs:
        for run in paragraph.runs:
            run.font.size = Pt(size)


def describe_shape(shape, alt, name):
    """Give the picture or movie ``shape`` its alt text (what it shows, for a screen reader) and a name."""
    properties = shape._element.xpath("./p:nvPicPr/p:cNvPr")[0]
    properties.set("descr", alt)
    properties.set("name", name)


# -- timings ----------------------------------------------------------------------------------------------

_P = "http://schemas.openxmlformats.org/presentationml/2006/main"


def set_timing(slide, *, hide=None, video=None, autoplay=True, seconds=None, loop=False):
    """Replace ``slide``'s timings: at its start hide the shape ``hide`` (a poster over a GIF) and, with
    ``autoplay``, play the movie shape ``video`` (else it plays on a click); it plays once, or until the
    slide ends with ``loop``.

    This is the tree PowerPoint writes for effects set to start *with previous*
    on a slide's first build: a main sequence whose first group begins when the
    slide does.
    """
    from pptx.oxml import parse_xml

    ids = iter(range(1, 100))
    effects = []
    if hide is not None:
        effects.append(
            f'<p:par><p:cTn id="{{}}" presetID="1" presetClass="exit" presetSubtype="0" fill="hold" grpId="0" '
            f'nodeType="{{}}"><p:stCondLst><p:cond delay="0"/></p:stCondLst><p:childTnLst><p:set><p:cBhvr>'
            f'<p:cTn id="{{}}" dur="1" fill="hold"><p:stCondLst><p:cond delay="0"/></p:stCondLst></p:cTn>'
            f'<p:tgtEl><p:spTgt spid="{hide}"/></p:tgtEl><p:attrNameLst><p:attrName>style.visibility</p:attrName>'
            f'</p:attrNameLst></p:cBhvr><p:to><p:strVal val="hidden"/></p:to></p:set></p:childTnLst></p:cTn></p:par>')
    play = video if autoplay else None
    if play is not None:
        length = str(round(seconds * 1000)) if seconds else "indefinite"
        effects.append(
            f'<p:par><p:cTn id="{{}}" presetID="1" presetClass="mediacall" presetSubtype="0" fill="hold" '
            f'nodeType="{{}}"><p:stCondLst><p:cond delay="0"/></p:stCondLst><p:childTnLst>'
            f'<p:cmd type="call" cmd="playFrom(0.0)"><p:cBhvr><p:cTn id="{{}}" dur="{length}" fill="hold"/>'
            f'<p:tgtEl><p:spTgt spid="{play}"/></p:tgtEl></p:cBhvr></p:cmd></p:childTnLst></p:cTn></p:par>')
    root_id = next(ids)
    body = ""
    if effects:
        sequence_id, group_id, step_id = next(ids), next(ids), next(ids)
        parts = []
        for number, effect in enumerate(effects):
            parts.append(effect.format(next(ids), "afterEffect" if number == 0 else "withEffect", next(ids)))
        body += (f'<p:seq concurrent="1" nextAc="seek"><p:cTn id="{sequence_id}" dur="indefinite" nodeType="mainSeq">'
                 f'<p:childTnLst><p:par><p:cTn id="{group_id}" fill="hold"><p:stCondLst><p:cond delay="indefinite"/>'
                 f'<p:cond evt="onBegin" delay="0"><p:tn val="{sequence_id}"/></p:cond></p:stCondLst><p:childTnLst>'
                 f'<p:par><p:cTn id="{step_id}" fill="hold"><p:stCondLst><p:cond delay="0"/></p:stCondLst>'
                 f'<p:childTnLst>{"".join(parts)}</p:childTnLst></p:cTn></p:par></p:childTnLst></p:cTn></p:par>'
                 f'</p:childTnLst></p:cTn><p:prevCondLst><p:cond evt="onPrev" delay="0"><p:tgtEl><p:sldTgt/>'
                 f'</p:tgtEl></p:cond></p:prevCondLst><p:nextCondLst><p:cond evt="onNext" delay="0"><p:tgtEl>'
                 f'<p:sldTgt/></p:tgtEl></p:cond></p:nextCondLst></p:seq>')
    if video is not None:
        repeat = ' repeatCount="indefinite"' if loop else ""
        body += (f'<p:video><p:cMediaNode vol="80000"><p:cTn id="{next(ids)}"{repeat} fill="hold" display="0">'
                 f'<p:stCondLst><p:cond delay="indefinite"/></p:stCondLst></p:cTn><p:tgtEl>'
                 f'<p:spTgt spid="{video}"/></p:tgtEl></p:cMediaNode></p:video>')
    for old in slide._element.xpath("./p:timing"):
        slide._element.remove(old)
    if body:
        slide._element._insert_timing(parse_xml(
            f'<p:timing xmlns:p="{_P}"><p:tnLst><p:par><p:cTn id="{root_id}" dur="indefinite" restart="never" '
            f'nodeType="tmRoot"><p:childTnLst>{body}</p:childTnLst></p:cTn></p:par></p:tnLst></p:timing>'))

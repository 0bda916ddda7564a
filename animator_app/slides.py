"""The slides of ``animator slides`` (:mod:`.commands.slides`): which files, in which order, with which words.

Given files, each is a slide in the order given, titled with the caption
animator wrote into it (its run's optimizer and settings); a file from
elsewhere is titled with its name.  Both are data from the file, so they are
cleaned for the slide (``deck_text``).

Given a book's folder (``animator book -o lecture/``), the slides are the
book's figures in the chapter's order, found by the names the book's job table
gives them (never by listing the folder), and their words (figure number,
title, the chapter's explanation for the speaker notes, alt text) come from
the chapter's table, not from any file: the folder is data, so a file there
can only be shown, never decide what a slide says or where anything is read.
"""

import os
import re
from dataclasses import dataclass

from animator.untrusted import is_regular_file
from renderers.deck import Slide, deck_text
from renderers.deck_media import deck_extensions
from renderers.writers import read_metadata

# What a picture of each kind shows, for a screen reader; the kind is the one each file's description declares.
SHOWS = {
    "training": "Animation of the chapter's model training on the spiral data, epoch by epoch: the decision "
                "regions, the weights and their updates, and the loss, accuracy and learning rate",
    "race": "Animation of optimizers training the chapter's model from the same weights, side by side: "
            "each one's decision regions, and their loss and accuracy curves overlaid",
    "descent": "Animation of a ball rolling down the chapter's curve, one optimizer step at a time, "
               "each step marked by a dot",
    "race2d": "Animation of five optimizers descending a two-dimensional function from one start, "
              "each one's trail over a contour map",
    "figure": "A chart",
    "sweep": "A map of a hyper-parameter sweep",
}
TITLE_WORDS = 48          # a figure's title is the first clause of its caption if it is no longer than this


@dataclass(frozen=True)
class Lecture:
    """The slides to make, and the book's files that were looked for but are not in the folder."""

    slides: tuple
    missing: tuple = ()


def caption_of(path):
    """The caption stored in an animator file, else the file's name without its extension, cleaned for a slide.

    A description is data: anything but a dict with a text ``caption`` counts
    as none, and a caption with control characters is cleaned, not refused.
    """
    caption = _described(path).get("caption")
    caption = deck_text(caption) if isinstance(caption, str) else ""
    return caption or deck_text(os.path.splitext(os.path.basename(path))[0]) or "animation"


def _described(path):
    try:
        metadata = read_metadata(path)
    except Exception:      # a foreign or damaged file still gets a slide, named after it
        metadata = None
    return metadata if isinstance(metadata, dict) else {}


def slide_of(path):
    """The slide of one file given on the command line: its caption as the title, its kind said in notes and alt."""
    caption = caption_of(path)
    kind = _described(path).get("kind")
    shows = SHOWS.get(kind) if isinstance(kind, str) else None
    if shows is None:
        shows = "A picture" if deck_extensions()[os.path.splitext(path)[1].lower()].STILL else "An animation"
    return Slide(path, caption, notes=f"{shows}.\nSettings: {caption}", alt=f"{shows}: {caption}.")


def is_book(path):
    """Whether ``path`` names a book's folder: a directory not named as an animation (``x.gif/`` is refused
    as a file would be)."""
    return os.path.isdir(path) and os.path.splitext(os.path.normpath(path))[1].lower() not in deck_extensions()


def lecture(paths):
    """The :class:`Lecture` for the command line's ``paths``: one book folder, or files in the order given."""
    if len(paths) == 1 and is_book(paths[0]):
        return book_lecture(paths[0])
    return Lecture(tuple(slide_of(path) for path in paths))


# -- a book's folder ----------------------------------------------------------------------------------------

def book_lecture(folder):
    """The figures of the book in ``folder``, in the chapter's order, with the chapter's words."""
    from .book import jobs
    from .book.table import chapter_order

    slides, missing = [], []
    for job in chapter_order(jobs()):
        words = figure_words(job.definition)
        names = list(job.animations) or [os.path.splitext(name)[0] for name in job.stills]
        for stem in names:
            path = _found(folder, stem)
            if path is None:
                missing.append(stem)
            elif words is None:             # a kind of figure this module has no words for: the file's own
                slides.append(slide_of(path))
            else:
                slides.append(Slide(path, words.settings, title=words.title, notes=words.notes, alt=words.alt))
    return Lecture(tuple(slides), tuple(missing))


def _found(folder, stem):
    """``folder/stem.EXT`` for the first extension a deck takes that names a regular file there, else None."""
    for extension in deck_extensions():
        path = os.path.join(folder, stem + extension)
        if is_regular_file(path):
            return path
    return None


@dataclass(frozen=True)
class Words:
    figure: str          # "Figure 8", or "" for a figure the chapter does not number
    title: str
    settings: str        # the optimizer and its hyper-parameters, the line under the title
    notes: str           # the chapter's explanation and the settings, for the speaker
    alt: str


def figure_words(definition):
    """The words of the figure the job table declares as ``definition`` (a value of the chapter's table), or None
    for a kind of figure not known here."""
    from animator.chapter import NETWORK_RACE_CAPTIONS, NETWORK_RACES, Race2D, LearningRateFigure, TrainingFigure
    from animator.optimizers import OptimizerSpec
    from renderers.layout import describe

    from .scenes import DescentScene

    if isinstance(definition, TrainingFigure):
        settings = describe(definition.optimizer)
        return _words(definition.figure, definition.caption, settings, settings,
                      f"{SHOWS['training']}, with {settings}")
    if isinstance(definition, tuple) and definition and isinstance(definition[0], DescentScene):
        scene, descent = definition
        if descent is None:        # Figure 2: the curve alone
            return _words(scene.title, scene.caption, "", "the ball's curve",
                          "The chapter's curve: from the start on the left, three local minima, then the global "
                          "minimum")
        settings = describe(descent.optimizer)
        return _words(scene.title, scene.caption, settings, settings, f"{SHOWS['descent']}, with {settings}")
    if isinstance(definition, LearningRateFigure):
        settings = (f"SGD, momentum={definition.momentum}: "
                    + ", ".join(f"lr={rate} ({label})" for label, rate in definition.rates))
        explanation = (f"The chapter's model trained with SGD and momentum {definition.momentum} at "
                       f"{len(definition.rates)} learning rates: "
                       + ", ".join(f"{label} ({rate})" for label, rate in definition.rates) + ".")
        return _words(definition.figure, explanation, settings, "loss against steps for four learning rates",
                      f"A chart of the loss against steps for {len(definition.rates)} learning rates of SGD with "
                      f"momentum {definition.momentum}: " + ", ".join(f"{label}, {rate}"
                                                                     for label, rate in definition.rates))
    if isinstance(definition, Race2D):
        settings = " | ".join(f"{e.label}: " + " · ".join(f"{k}={v}" for k, v in e.optimizer.hyperparameters.items())
                              for e in definition.entrants)
        explanation = definition.caption
        return _words("", explanation, settings, definition.title,
                      f"{SHOWS['race2d']}: the {definition.function} function, "
                      + ", ".join(e.label for e in definition.entrants))
    if not (isinstance(definition, tuple) and definition
            and all(isinstance(spec, OptimizerSpec) for spec in definition)):
        return None
    settings = " | ".join(describe(spec) for spec in definition)
    chapter = [name for name, specs in NETWORK_RACES.items() if tuple(specs) == tuple(definition)]
    explanation = NETWORK_RACE_CAPTIONS[chapter[0]] if chapter else "Optimizers racing from the same initial weights."
    return _words("", explanation, settings, "the optimizers race", f"{SHOWS['race']}: {settings}")


def _words(figure, explanation, settings, subject, alt):
    """A figure's :class:`Words`: its title is its number and the first clause of its explanation, if short."""
    clause = re.split(r"[:.;]\s", explanation + " ", maxsplit=1)[0].strip().rstrip(".")
    if not clause or len(clause) > TITLE_WORDS or not figure:
        clause = subject
    clause = clause[:1].upper() + clause[1:]
    title = f"{figure}: {clause}" if figure else clause
    notes = "\n".join(line for line in (explanation, f"Settings: {settings}" if settings else "") if line)
    return Words(figure, title, settings, notes, alt + ".")

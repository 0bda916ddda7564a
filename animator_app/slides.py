"""The caption of each slide of ``animator slides`` (:mod:`.commands.slides`): the run's settings, read from its file.

The caption is the one animator wrote into the file when it made it (its run's
optimizer and settings); a file from elsewhere is captioned with its name.  Both
are data from the file, so they are cleaned for the slide (``deck_text``), while
a --title the user typed is refused in one line if the deck cannot hold it.
"""

import os

from renderers.deck import deck_text
from renderers.writers import read_metadata


def caption_of(path):
    """The caption stored in an animator file, else the file's name without its extension, cleaned for a slide.

    A description is data: anything but a dict with a text ``caption`` counts
    as none, and a caption with control characters is cleaned, not refused.
    """
    try:
        metadata = read_metadata(path)
    except Exception:      # a foreign or damaged file still gets a slide, named after it
        metadata = None
    caption = metadata.get("caption") if isinstance(metadata, dict) else None
    caption = deck_text(caption) if isinstance(caption, str) else ""
    return caption or deck_text(os.path.splitext(os.path.basename(path))[0]) or "animation"

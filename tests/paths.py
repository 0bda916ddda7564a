"""Where the tests' files are: the repository, this folder and its data, wherever a test file sits below it."""

import os

TESTS = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(TESTS)
DATA = os.path.join(TESTS, "data")


def font_list_into(folder):
    """Write matplotlib's font list, as this process has it, into ``folder`` (made if missing): a process whose
    matplotlib looks there (``MPLCONFIGDIR=folder``, or ``folder`` as ``$XDG_CACHE_HOME/matplotlib``) reads it
    instead of scanning every installed font, about 2 s where texlive is installed."""
    from matplotlib import font_manager

    os.makedirs(folder, exist_ok=True)
    font_manager.json_dump(font_manager.fontManager,
                           os.path.join(str(folder), f"fontlist-v{font_manager.FontManager.__version__}.json"))

"""The ``animator`` commands, one module each, chosen by name from one registry (:data:`COMMANDS`).

A command module declares a :class:`Command`: its name, help, options (shared
groups come from :mod:`.options`), whether ``animator reproduce`` can rebuild
its files, and ``run(options)``; it registers itself at its bottom.  Import it
below, in the order ``animator --help`` lists the commands.
"""

from .registry import COMMANDS, Command, Option, flags, register, reproducible
from .parser import Parser, build_parser, parse
from . import train, record, render, compare, descent, race2d, landscape, sweep, book, check, info, reproduce, slides  # noqa: F401

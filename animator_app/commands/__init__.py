"""The ``animator`` commands, one module each, chosen by name from one registry (:data:`COMMANDS`).

A command module declares a :class:`Command`: its name, help, options (shared
groups come from :mod:`.options`), whether ``animator reproduce`` can rebuild
its files, and ``run(options)``; it registers itself at its bottom.  Its name
and its line of help are in :data:`.registry.INDEX`, in the order ``animator
--help`` lists the commands: the modules are imported when the registry is
first read (the command line imports only the one it runs, ``--help`` none).
"""

from .registry import COMMANDS, INDEX, NAMES, Command, Option, flags, register, reproducible  # noqa: F401
from .parser import Parser, build_parser, parse  # noqa: F401

"""The ``animator`` commands, one module each, chosen by name from one registry (:data:`COMMANDS`).

A command module declares a :class:`Command`: its name, help, options (shared
groups come from :mod:`.options`), whether ``animator reproduce`` can rebuild
its files, and ``run(options)``; it registers itself at its bottom.  Name it in
:data:`.registry.NAMES`, in the order ``animator --help`` lists the commands:
the modules are imported when the registry is first read (the command line
imports only the one it runs).
"""

from .registry import COMMANDS, NAMES, Command, Option, flags, register, reproducible  # noqa: F401
from .parser import Parser, build_parser, parse  # noqa: F401

"""The ``animator`` parser, built from the command registry, and the one way a command line becomes options."""

import argparse

from animator import __version__
from animator.errors import UserError

from .. import presets
from .registry import COMMANDS, INDEX


class Parser(argparse.ArgumentParser):
    """argparse with one-line errors: ``animator train: error: ...``, exit 2."""

    def error(self, message):
        raise UserError(message)


def build_parser(only=None, *, index=False):
    """``animator`` and a sub-parser per registered command, its options in the order the command declares them.

    ``only``: the name of the one command to parse for (its module alone is imported).  ``index``: every
    command by its name and line of help alone, from :data:`~.registry.INDEX` (no command module is imported):
    what ``animator --help``, ``--version`` and a misspelt command need."""
    parser = Parser(prog="animator", description="Train the optimizers of Neural Networks from Scratch, "
                    "Chapter 10, exactly as the book does, and animate the runs.")
    parser.add_argument("--version", action="version", version=f"animator {__version__}")
    subcommands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=Parser)
    if index:
        for name, line in INDEX.items():
            subcommands.add_parser(name, help=line)
        parser.commands = subcommands.choices
        return parser
    one = COMMANDS.loaded(only) if isinstance(only, str) else None
    for command in [one] if one is not None else COMMANDS.values():
        sub = subcommands.add_parser(command.name, help=command.help, description=command.description)
        groups = {}
        for option in command.options:
            if option.group is not None and option.group not in groups:
                groups[option.group] = sub.add_argument_group(option.group)
            option.add_to(sub if option.group is None else groups[option.group])
    parser.commands = subcommands.choices      # command name -> its parser, for presets.resolve
    return parser


def parse(argv, parser=None):
    """``(command, options)`` of a command line (presets applied, every option checked as the parser checks
    it), or ``(None, None)`` when it names no command."""
    parser = parser or build_parser()
    head, rest = _after_dashes(list(argv))
    namespace = presets.resolve(parser, parser.commands, head)
    if namespace.command is None:
        return None, None
    command = COMMANDS.loaded(namespace.command)
    if rest is not None:
        setattr(namespace, command.rest, [*getattr(namespace, command.rest), *rest])
    return command, command.options_from(namespace, argv)


def _after_dashes(argv):
    """``(argv before the first --, the rest)`` for a command that declares ``rest``; else ``(argv, None)``.

    argparse would let a positional that takes any number of values end before
    the command's own options, so ``record mine.py -o run.gif -- 5000`` failed;
    cut at the ``--`` first, everything before it is parsed as usual.
    """
    command = COMMANDS.loaded(argv[0]) if argv else None
    if command is None or command.rest is None or "--" not in argv:
        return argv, None
    cut = argv.index("--")
    return argv[:cut], argv[cut + 1:]

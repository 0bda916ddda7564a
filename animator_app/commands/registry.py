"""What a command is: its name, help, options (each declared once) and ``run(options)``; and the registry of them.

A command is one module of this package that builds a :class:`Command` and
passes it to :func:`register` at its bottom.  Everything else asks the
registry: the parser (:mod:`.parser`), the flags error messages name
(:func:`flags`), and which commands ``animator reproduce`` can run again.
"""

import importlib
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field, make_dataclass
from typing import Callable, Optional

# The commands, in the order ``animator --help`` lists them, each with the line it shows there: the index
# ``animator --help`` is made from without importing any command (each is the module of this package named
# as it, and declares everything else).
INDEX = {
    "train": "train the chapter's model, print the book's log, save the Recording",
    "record": "run your own chapter script or notebook unmodified and record its training",
    "render": "render a saved Recording without retraining",
    "compare": "race several optimizers from the same initial weights, rendered side by side",
    "descent": "the chapter's ball on a curve: a 1-D descent with any optimizer",
    "race2d": "optimizers racing down a 2-D test function, on its contour map",
    "landscape": "a race's paths on the network's own loss landscape: a plane, or the line to each run's end",
    "sweep": "map a hyper-parameter search: every combination of one or two grids, as a table and a picture",
    "book": "regenerate every figure of the chapter, with an index.html gallery",
    "check": "check your own optimizer class against the book's, epoch by epoch; grade a class's files",
    "info": "print the run a file was made from: command, settings, animator version",
    "reproduce": "make a file again from the command stored in it, byte for byte",
    "slides": "make a PowerPoint deck or a Beamer source: a titled slide per animation, with notes",
}
NAMES = tuple(INDEX)


class Registry(Mapping):
    """``name -> Command``, in :data:`NAMES`' order.  Any reading of it imports every command module first (each
    registers itself as it is imported, :func:`register`); :meth:`loaded` imports one, for the command line that
    runs one command (``animator record ...`` need not import the other twelve and what they import: a tenth of a
    second)."""

    def __init__(self):
        self._commands = {}

    def loaded(self, name):
        """The command ``name``, its module imported if it was not; None for a name that is no command."""
        if name not in NAMES:
            return None
        if name not in self._commands:
            importlib.import_module(f"{__package__}.{name}")
        return self._commands[name]

    def _all(self):
        if len(self._commands) < len(NAMES):
            self._commands = {name: self.loaded(name) for name in NAMES}
        return self._commands

    def __getitem__(self, name):
        return self._all()[name]

    def __iter__(self):
        return iter(self._all())

    def __len__(self):
        return len(self._all())


COMMANDS = Registry()     # name -> Command


@dataclass(frozen=True)
class Option:
    """One option as the parser takes it and the options value holds it.

    ``flags`` is ``("--epochs",)``, ``("-o", "--output")`` or, for a
    positional, its name (``("recording",)``).  ``arguments`` are the names
    the library gives the same value (``ArgumentError.argument``: ``--grid``
    is ``grid_resolution``), so its messages can be worded with the flag.
    ``group`` is the help section it is listed under (None: the command's own).
    """

    flags: tuple
    help: str
    type: Optional[Callable] = None
    default: object = None
    metavar: Optional[str] = None
    choices: Optional[tuple] = None
    action: Optional[str] = None
    nargs: object = None
    required: bool = False
    dest: Optional[str] = None
    arguments: tuple = ()
    group: Optional[str] = None

    @property
    def positional(self):
        return not self.flags[0].startswith("-")

    @property
    def name(self):
        """The field of the options value (argparse's ``dest``)."""
        if self.dest:
            return self.dest
        if self.positional:
            return self.flags[0]
        long = [flag for flag in self.flags if flag.startswith("--")] or self.flags
        return long[0].lstrip("-").replace("-", "_")

    @property
    def shown(self):
        """How a message names it: its first flag (``-o``), or a positional's metavar (``SPEC``)."""
        return (self.metavar or self.flags[0]) if self.positional else self.flags[0]

    @property
    def value_type(self):
        """The type of its value, as the parser gives it (lists become tuples)."""
        if self.action == "store_true":
            return bool
        if self.action == "append" or self.nargs in ("*", "+"):
            return tuple
        kind = typing.get_type_hints(self.type).get("return", object) if self.type else str
        return kind if self.required or self.default is not None else Optional[kind]

    def add_to(self, parser):
        """Declare it on an argparse parser or argument group."""
        given = {"type": self.type, "metavar": self.metavar, "action": self.action, "nargs": self.nargs,
                 "choices": list(self.choices) if self.choices is not None else None}
        keywords = {key: value for key, value in given.items() if value is not None}
        if self.default is not None:
            keywords["default"] = self.default
        if self.required:
            keywords["required"] = True
        if self.dest and not self.positional:
            keywords["dest"] = self.dest
        parser.add_argument(*self.flags, help=self.help, **keywords)


@dataclass(frozen=True)
class Command:
    """One ``animator`` command.

    ``run(options)`` takes the command's options value (an instance of
    ``values``, a frozen dataclass with one field per option, built once from
    the parsed arguments) and returns the exit status.  ``reproducible``: the
    files it writes carry their command, and ``animator reproduce`` runs it
    again to rebuild them byte for byte.  ``rest``: the option (``nargs="*"``)
    that takes everything after the first ``--`` as it is, unparsed (a
    script's own arguments); the command's options may then stand anywhere
    before the ``--``.
    """

    name: str
    description: str
    options: tuple
    run: Callable
    reproducible: bool = False
    rest: Optional[str] = None
    help: Optional[str] = None        # the line --help lists it with: by default, its entry in INDEX
    values: type = field(init=False, repr=False, compare=False)

    def __post_init__(self):
        if self.help is None:
            object.__setattr__(self, "help", INDEX.get(self.name, ""))
        names = [option.name for option in self.options]
        if len(set(names)) != len(names):
            raise TypeError(f"{self.name}: an option is declared twice ({names})")
        fields = [(option.name, option.value_type) for option in self.options]
        fields += [("argv", tuple, field(default=())),            # the command line, for each file's description
                   ("inputs", Optional[dict], field(default=None))]   # identities of files read; None: hash them
        title = "".join(part.title() for part in self.name.split("_")) + "Options"
        values = make_dataclass(title, fields, frozen=True)
        values.__module__ = self.run.__module__     # shown as the command's own type
        object.__setattr__(self, "values", values)

    def options_from(self, namespace, argv=()):
        """The options value of parsed arguments (a preset already applied); lists become tuples."""
        values = {}
        for option in self.options:
            value = getattr(namespace, option.name)
            values[option.name] = tuple(value) if isinstance(value, list) else value
        return self.values(**values, argv=tuple(argv))

    def flags(self):
        """``{library argument: flag}`` for this command's options."""
        return {argument: option.shown for option in self.options for argument in option.arguments}


def register(command):
    """Add ``command`` to the registry; a module of this package calls it at its bottom."""
    if command.name in COMMANDS._commands:
        raise ValueError(f"command {command.name!r} is registered twice")
    if command.name not in NAMES:
        raise ValueError(f"command {command.name!r} is not in registry.NAMES, which lists the command modules")
    COMMANDS._commands[command.name] = command
    return command


def flags(name=None):
    """How a library argument is spelled on the command line of ``name``: its own options first, then any
    other command's (a value checked by the library may be named from elsewhere)."""
    spelled = {}
    for command in COMMANDS.values():
        for argument, flag in command.flags().items():
            spelled.setdefault(argument, flag)
    if name in COMMANDS:
        spelled.update(COMMANDS[name].flags())
    return spelled


def reproducible():
    """The names of the commands whose files ``animator reproduce`` rebuilds."""
    return tuple(name for name, command in COMMANDS.items() if command.reproducible)

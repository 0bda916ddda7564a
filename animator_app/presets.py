"""Output presets: ``--preset slides`` and ``--preset beamer``, a whole look for a kind of slide in one word.

A preset only changes defaults: any option given on the command line wins
(``--preset slides --theme dark`` is a dark 16:9 slide).  A preset sets the
*scale* (projector), not the look, so every look combines with it; after the
parse, :func:`resolve` joins ``--theme`` and ``--scale`` into the one theme
name the layouts take (:func:`joined_theme`).  ``compare`` and
``descent`` have presets of their own (``--preset chapter``, ``--preset
momentum-fast``); there ``--preset`` may be given twice, once of each kind,
and the names never collide (tested).

The budget applies only to outputs whose format can meet one (its writer's
``FIT``) and the poster only to animations (not to a still), so one preset
serves every output: the formats say which they are.
"""

from dataclasses import dataclass

from animator.chapter import DESCENTS, NETWORK_RACES
from animator.errors import UserError
from renderers.theme import look_and_scale, theme_name
from renderers.writers import writer_for



@dataclass(frozen=True)
class OutputPreset:
    """Defaults for one kind of slide."""

    name: str
    summary: str
    size: tuple
    scale: str
    hold: float
    max_bytes: int
    poster: str

    def defaults(self, output, *, folder=False):
        """The option defaults this preset sets for a command writing ``output`` (``folder``: the book's folder)."""
        values = {"size": self.size, "scale": self.scale, "hold": self.hold}
        if folder:                                   # the book writes many files into a folder: each is fitted
            values.update(max_bytes=self.max_bytes, poster=self.poster)
            return values
        try:
            writer = writer_for(output or "")
        except UserError:
            return values                            # the command says what is wrong with the output
        if writer.FIT is not None:
            values["max_bytes"] = self.max_bytes
        if not writer.STILL:
            values["poster"] = self.poster
        return values


OUTPUT_PRESETS = {
    "slides": OutputPreset("slides", "16:9 slides: 1280x720, projector scale, last frame held 4 s, "
                                     "GIF/MP4 under 10 MB, a poster of the last frame",
                           (1280, 720), "projector", 4.0, 10_000_000, "last"),
    "beamer": OutputPreset("beamer", "4:3 slides (Beamer, older PowerPoint templates): 1024x768, projector scale, "
                                     "last frame held 4 s, GIF/MP4 under 10 MB, a poster of the last frame",
                           (1024, 768), "projector", 4.0, 10_000_000, "last"),
}

# the presets each command already had, which pick what to compute rather than how it looks
COMMAND_PRESETS = {"compare": NETWORK_RACES, "landscape": NETWORK_RACES, "descent": DESCENTS}


def help_text(command):
    """The --preset help of ``command``."""
    looks = "; ".join(f"{p.name}: {p.summary}" for p in OUTPUT_PRESETS.values())
    own = COMMAND_PRESETS.get(command)
    if own is None:
        return f"a look for slides; options given explicitly win ({looks}) (default: none)"
    what = ("a race (chapter: the chapter's tuned settings)" if own is NETWORK_RACES
            else "one of the chapter's descents, see --list")
    return (f"{what}, and/or a look for slides, each at most once: --preset NAME --preset slides ({looks}); "
            f"options given explicitly win (default: none)")


def split(command, names):
    """``(output preset or None, the command's own preset or None)`` from the ``--preset`` values given."""
    own_table = COMMAND_PRESETS.get(command, {})
    output, own = [], []
    for name in names or []:
        if name in OUTPUT_PRESETS:
            output.append(name)
        elif name in own_table:
            own.append(name)
        else:
            choices = [*own_table, *OUTPUT_PRESETS]
            raise UserError(f"unknown preset {name!r} (choose from {', '.join(choices)})")
    for found, what in ((output, "look (slides, beamer)"), (own, f"{command} preset")):
        if len(found) > 1:
            raise UserError(f"--preset gives two of a kind: {found[0]} and {found[1]}; choose one {what}")
    return (output[0] if output else None), (own[0] if own else None)


def resolve(parser, subparsers, argv):
    """Parse ``argv``; where an output preset is given, parse again with its defaults, so explicit options win.

    A command that draws gets ``theme`` as :func:`joined_theme` names it, its look at its scale.
    """
    args = parser.parse_args(argv)
    command = getattr(args, "command", None)
    if command is not None and hasattr(args, "preset"):
        output, own = split(command, args.preset)
        if output is not None:
            sub = subparsers[command]
            preset = OUTPUT_PRESETS[output]
            sub.set_defaults(**preset.defaults(getattr(args, "output", None), folder=command == "book"))
            args = parser.parse_args(argv)
        args.preset, args.look = own, output
    if hasattr(args, "theme") and hasattr(args, "scale"):
        args.theme = joined_theme(args.theme, args.scale)
    return args


def joined_theme(theme, scale):
    """The theme name of ``--theme`` at ``--scale`` (None: the theme's own scale).

    >>> joined_theme("dark", "projector"), joined_theme("projector", None), joined_theme("projector", "screen")
    ('dark-projector', 'projector', 'default')
    """
    look, own = look_and_scale(theme)
    return theme_name(look, scale or own)

"""``animator info FILE`` and ``animator reproduce FILE -o NEW``: what a file says about its run, and the file again.

Every file animator writes carries its description (see
:mod:`renderers.writers.metadata`): the animator version, kind, caption, the
run's spec and the command line that made it.  ``info`` prints it;
``reproduce`` parses that stored command line again, points its output at
``NEW`` and runs it, while the description written into ``NEW`` keeps the
stored command (not the reproduce command), so ``NEW`` is the same bytes as
``FILE`` on the same machine with the same package versions.  The stored
command is the whole truth: reproduce takes no option that would change the
result.  A file of ``animator book`` is made again alone: only the figure that
wrote it, with the book's stored options.
"""

import json
import os
import re
import shlex
import shutil
import tempfile

from animator import __version__
from animator.errors import UserError
from renderers.writers import poster_path, read_metadata, writer_for

# descriptions this animator understands; a file may say ``"format": N`` (none do yet: 1 is implied)
METADATA_FORMAT = 1
COMMANDS = ("train", "render", "compare", "descent", "race2d", "book")


def _version(text):
    """``"0.1.0"`` as ``(0, 1, 0)``; None if it is not a version."""
    if not isinstance(text, str) or not re.fullmatch(r"\d+(\.\d+)*([-+.]?[0-9A-Za-z.]*)?", text):
        return None
    numbers = [int(part) for part in re.match(r"[\d.]+", text).group(0).strip(".").split(".")]
    return tuple(numbers + [0] * (3 - len(numbers)))


def description(path):
    """The description ``path`` carries, checked; a one-line :class:`UserError` if there is none we can use."""
    name = os.fspath(path)
    if not os.path.exists(name):
        raise UserError(f"{name}: no such file or folder")
    if name.lower().endswith(".npz") and os.path.isfile(name):
        return _recording_description(name)
    try:
        writer_for(name)
    except UserError:
        raise UserError(f"{name}: not a file animator writes (.gif, .png, .mp4, .html or a frames folder/)") from None
    meta = read_metadata(name)
    if meta is None or not isinstance(meta.get("kind"), str) or "animator" not in meta:
        raise UserError(f"{name}: carries no animator description (made elsewhere, or it was stripped)")
    made_by, ours = _version(meta["animator"]), _version(__version__)
    fmt = meta.get("format", 1)
    if made_by is None or not isinstance(fmt, int) or isinstance(fmt, bool):
        raise UserError(f"{name}: its description is not one this animator understands "
                        f"(animator {meta['animator']!r}, format {fmt!r})")
    if fmt > METADATA_FORMAT or made_by > ours:
        raise UserError(f"{name}: written by animator {meta['animator']} (description format {fmt}), newer than "
                        f"this animator {__version__}; upgrade animator to read it")
    return meta


def _recording_description(name):
    """A saved Recording described as the files are: its own spec (checked on loading), no command."""
    from animator.recording import Recording
    from renderers.layout import describe

    spec = Recording.load(name).spec            # a damaged file or a newer format is a one-line error here
    return {"animator": spec.get("versions", {}).get("animator", "?"), "caption": describe(spec["optimizer"]),
            "command": None, "kind": "recording", "spec": spec}


def _lines(value, prefix=""):
    """A nested spec as ``key.sub: value`` lines, lists of settings as ``key[0].sub``."""
    if isinstance(value, dict):
        for key, item in value.items():
            yield from _lines(item, f"{prefix}.{key}" if prefix else str(key))
    elif isinstance(value, list) and any(isinstance(item, (dict, list)) for item in value):
        for index, item in enumerate(value):
            yield from _lines(item, f"{prefix}[{index}]")
    else:
        yield f"{prefix}: {json.dumps(value, ensure_ascii=False) if not isinstance(value, str) else value}"


def shown_command(command):
    return shlex.join(command) if command else "(none: written from Python)"


def cmd_info(args):
    meta = description(args.file)
    if args.json:
        print(json.dumps(meta, sort_keys=True, ensure_ascii=False))
        return 0
    print(f"file:     {args.file}")
    print(f"kind:     {meta['kind']}")
    print(f"caption:  {meta.get('caption')}")
    print(f"animator: {meta['animator']}" + ("" if meta["animator"] == __version__ else f" (this is {__version__})"))
    print("command:  " + ("(a Recording: the spec below is its run)" if meta["kind"] == "recording"
                           else shown_command(meta.get("command"))))
    print("spec:")
    for line in _lines(meta.get("spec") or {}):
        print(f"  {line}")
    return 0


def _output_kind(path):
    return writer_for(path).KIND


def stored_command(meta, name):
    """The stored command line's arguments after ``animator``; refused where it cannot be run again."""
    command = meta.get("command")
    if meta["kind"] == "recording":
        raise UserError(f"{name}: a Recording carries its run's settings, not a command; animator info shows them")
    if not command:
        raise UserError(f"{name}: written from Python, not by a command, so there is no command to run again")
    if command[0] != "animator" or len(command) < 2 or not all(isinstance(part, str) for part in command):
        raise UserError(f"{name}: its stored command {shown_command(command)!r} is not an animator command")
    if command[1] not in COMMANDS:
        raise UserError(f"{name}: its stored command 'animator {command[1]}' cannot be reproduced")
    return list(command[1:])


def cmd_reproduce(args):
    from . import presets
    from .cli import build_parser
    from .commands import note

    meta = description(args.file)
    argv = stored_command(meta, args.file)
    new = args.output
    if os.path.abspath(new.rstrip(os.sep) or new) == os.path.abspath(args.file.rstrip(os.sep) or args.file):
        raise UserError(f"{new}: is the file to reproduce; give another path")
    parser = build_parser()
    stored = presets.resolve(parser, parser.commands, argv)
    if stored.command == "book":
        return _one_figure_of_the_book(args, stored, argv)
    if getattr(stored, "output", None) is None:
        raise UserError(f"{args.file}: its stored command wrote no file")
    if _output_kind(new) != _output_kind(stored.output):
        raise UserError(f"{new}: the stored command wrote {_output_kind(stored.output)}; "
                        f"reproduce writes the same kind (a {_output_kind(stored.output)} path)")
    if meta["animator"] != __version__ and not args.quiet:
        note(f"note: {args.file} was made by animator {meta['animator']}; this is {__version__}, "
             f"so the bytes may differ")
    folder = _output_kind(new) == "frames"
    target = new.rstrip(os.sep) if folder else new
    if folder and os.path.isdir(target) and os.listdir(target):
        raise UserError(f"{new}: exists and is not empty; reproduce writes a new folder")
    if not args.quiet:
        note(f"reproducing: {shown_command(['animator', *argv])}")
    # A writer may put the file's own name inside it (an HTML page's title): build it under the
    # original name in a private folder beside NEW, then move it into place.
    parent = os.path.dirname(os.path.abspath(target))
    if not os.path.isdir(parent):
        raise UserError(f"{new}: directory {parent} does not exist")
    original = os.path.basename(stored.output.rstrip(os.sep)) or "frames"
    private = tempfile.mkdtemp(prefix=".reproduce.", dir=parent)
    try:
        built = os.path.join(private, original)
        stored.output = built + os.sep if folder else built
        if hasattr(stored, "save"):
            stored.save = None        # a Recording it also saved is not part of the file
        stored.quiet = True
        stored.argv = argv            # the description NEW carries is the stored one, so the bytes are FILE's
        status = stored.handler(stored)
        if status == 0:
            poster = getattr(stored, "poster", None) and not folder and poster_path(built)   # a folder holds its own
            if folder and os.path.isdir(target):
                os.rmdir(target)
            os.replace(built, target)
            if poster and os.path.exists(poster):
                os.replace(poster, poster_path(target))
            if not args.quiet:
                note(f"wrote {new}")
        return status
    finally:
        shutil.rmtree(private, ignore_errors=True)



def _one_figure_of_the_book(args, stored, argv):
    """Make again the one figure of ``animator book`` that wrote FILE, in a private folder, and move it to NEW."""
    from .book import check_book_options, remake
    from .commands import book_options, note

    name = os.path.basename(args.file.rstrip(os.sep))
    extension = os.path.splitext(name)[1].lower()
    if os.path.splitext(args.output)[1].lower() != extension:
        raise UserError(f"{args.output}: the book wrote {name}; reproduce writes the same kind (a {extension} path)")
    stored.argv = argv                # the description carries the book's command line, as FILE's does
    options = book_options(stored)
    parent = os.path.dirname(os.path.abspath(args.output))
    check_book_options(parent, options)
    if not args.quiet:
        note(f"reproducing {name} of: {shown_command(['animator', *argv])}")
    private = tempfile.mkdtemp(prefix=".reproduce.", dir=parent)
    try:
        remake(name, options, private)
        if not os.path.exists(os.path.join(private, name)):
            raise UserError(f"{args.file}: the book's figure did not write {name} with these options")
        os.replace(os.path.join(private, name), args.output)
        if not args.quiet:
            note(f"wrote {args.output}")
        return 0
    finally:
        shutil.rmtree(private, ignore_errors=True)

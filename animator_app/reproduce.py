"""``animator info FILE`` and ``animator reproduce FILE -o NEW``: what a file says about its run, and the file again.

Every file animator writes carries its description (see
:mod:`renderers.writers.metadata` and :mod:`.provenance`): the animator
version, kind, caption, the run's spec, the command line that made it (paths
made shareable) and the identity of any file of the user's it read.  A file is
data, never authority:

- ``info`` prints it with every control character escaped, so a crafted
  caption cannot clear the screen, set a title or write the clipboard;
- ``reproduce`` checks the description's shape, parses the stored command as
  the command line would (same checks, same up-front estimates), says what it
  will make before it starts, and reads no file the user did not name on its
  own command line: a run trained on a CSV needs ``--data PATH``, a render
  ``--recording PATH``, each checked against the content hash the file stores.
  ``NEW`` keeps the stored description, so it is the same bytes as ``FILE`` on
  the same machine with the same package versions.  A file of ``animator
  book`` is made again alone: only the figure that wrote it, with the book's
  stored options.
"""

import json
import os
import re
import shlex
import shutil
import tempfile

from animator import __version__
from animator.errors import UserError
from animator.untrusted import shown, shown_json
from renderers.writers import check_poster_target, poster_path, read_metadata, writer_for

from .provenance import INPUT_OPTIONS, checked_description, file_identity

# descriptions this animator understands; a file may say ``"format": N`` (none do yet: 1 is implied)
METADATA_FORMAT = 1
COMMANDS = ("train", "render", "compare", "descent", "race2d", "book", "sweep")
# what a stored command may name that reproduce never takes from a file: other files it wrote beside the
# output, and where or how widely to compute (a cluster the file names is not one the user chose)
NOT_FROM_THE_FILE = {"save": None, "table": None, "save_runs": None, "scheduler": None, "workers": None}


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
    if name.lower().endswith(".npz") and not os.path.isdir(name):
        return _recording_description(name)
    try:
        writer_for(name)
    except UserError:
        raise UserError(f"{name}: not a file animator writes (.gif, .png, .mp4, .html or a frames folder/)") from None
    meta = read_metadata(name)
    if meta is None or "kind" not in meta or "animator" not in meta:
        raise UserError(f"{name}: carries no animator description (made elsewhere, or it was stripped)")
    checked_description(meta, name)
    made_by, ours = _version(meta["animator"]), _version(__version__)
    fmt = meta.get("format", 1)
    if made_by is None or not isinstance(fmt, int) or isinstance(fmt, bool):
        raise UserError(f"{name}: its description is not one this animator understands "
                        f"(animator {shown(meta['animator'])!r}, format {shown(repr(fmt))})")
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
    """A stored command as one escaped line (shell quoting, then every control character spelled out)."""
    return shown(shlex.join(command)) if command else "(none: written from Python)"


def cmd_info(args):
    meta = description(args.file)
    if args.json:
        print(shown_json(json.dumps(meta, sort_keys=True, ensure_ascii=False)))
        return 0
    print(f"file:     {shown(args.file)}")
    print(f"kind:     {shown(meta['kind'])}")
    print(f"caption:  {shown(meta.get('caption'))}")
    print(f"animator: {shown(meta['animator'])}" + ("" if meta["animator"] == __version__
                                                     else f" (this is {__version__})"))
    print("command:  " + ("(a Recording: the spec below is its run)" if meta["kind"] == "recording"
                           else shown_command(meta.get("command"))))
    for role, identity in sorted((meta.get("inputs") or {}).items()):
        print(f"{role + ':':9s} {shown(identity['name'])} (sha256 {identity['sha256'][:16]}...)")
    print("spec:")
    for line in _lines(meta.get("spec") or {}):
        print(f"  {shown(line)}")
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
    if command[0] != "animator" or len(command) < 2:
        raise UserError(f"{name}: its stored command {shown_command(command)!r} is not an animator command")
    if command[1] not in COMMANDS:
        raise UserError(f"{name}: its stored command 'animator {shown(command[1])}' cannot be reproduced")
    asked = [part for part in command[2:] if part in ("-h", "--help", "--version")]
    if asked:
        raise UserError(f"{name}: its stored command asks for {asked[0]}, not a file; there is nothing to reproduce")
    return list(command[1:])


def given_inputs(meta, stored, args):
    """``{role: path}`` of the files the stored command read, as the user gives them now, checked by content hash.

    The stored command names them by base name only; what is read is what the
    user names on reproduce's own command line, and only if its content is the
    content the file was made from.
    """
    wanted = {role: os.path.basename(value) for role, value in
              (("data", getattr(stored, "data", None)), ("recording", getattr(stored, "recording", None))) if value}
    given = {role: getattr(args, role) for role in INPUT_OPTIONS if getattr(args, role, None)}
    for role in given:
        if role not in wanted:
            raise UserError(f"{args.file}: its run read no {_flag(role)} file; drop {_flag(role)}")
    stored_identities = meta.get("inputs") or {}
    for role, name in wanted.items():
        if role not in given:
            raise UserError(f"{args.file}: was made from {shown(name)}; give it with {_flag(role)} PATH "
                            f"(reproduce reads no file you did not name, and checks its content)")
        if role not in stored_identities:
            raise UserError(f"{args.file}: its description holds no content hash of {shown(name)}, "
                            f"so {_flag(role)} cannot be checked")
        if file_identity(given[role], what=given[role])["sha256"] != stored_identities[role]["sha256"]:
            raise UserError(f"{given[role]}: is not the {shown(name)} {args.file} was made from "
                            f"(its content hash differs)")
    return {role: (wanted[role], given[role]) for role in wanted}


def _flag(role):
    return {"data": "--data", "recording": "--recording"}[role]


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
    inputs = given_inputs(meta, stored, args)
    if stored.command == "book":
        return _one_figure_of_the_book(args, stored, argv)
    if getattr(stored, "output", None) is None:
        raise UserError(f"{args.file}: its stored command wrote no file")
    if _output_kind(new) != _output_kind(stored.output):
        raise UserError(f"{new}: the stored command wrote {_output_kind(stored.output)}; "
                        f"reproduce writes the same kind (a {_output_kind(stored.output)} path)")
    folder = _output_kind(new) == "frames"
    target = new.rstrip(os.sep) if folder else new
    if folder and os.path.isdir(target) and os.listdir(target):
        raise UserError(f"{new}: exists and is not empty; reproduce writes a new folder")
    poster = getattr(stored, "poster", None) is not None and not folder   # a folder holds its own
    if poster:
        check_poster_target(poster_path(target))
    parent = os.path.dirname(os.path.abspath(target))
    if not os.path.isdir(parent):
        raise UserError(f"{new}: directory {parent} does not exist")
    if not args.quiet:
        if meta["animator"] != __version__:
            note(f"note: {args.file} was made by animator {shown(meta['animator'])}; this is {__version__}, "
                 f"so the bytes may differ")
        note(f"reproducing {new}{' and its poster' if poster else ''} with: {shown_command(['animator', *argv])}")
    # Built under a private folder beside NEW (with the inputs linked in under their stored names, so
    # the description NEW carries is FILE's), then moved into place.
    private = tempfile.mkdtemp(prefix=".reproduce.", dir=parent)
    built = os.path.join(private, os.path.basename(stored.output.rstrip(os.sep)) or "OUTPUT")
    try:
        for role, (name, path) in inputs.items():
            linked = os.path.join(private, "inputs", name)
            os.makedirs(os.path.dirname(linked), exist_ok=True)
            os.symlink(os.path.abspath(path), linked)
            setattr(stored, role, linked)
        stored.output = built + os.sep if folder else built
        for option, value in NOT_FROM_THE_FILE.items():
            if hasattr(stored, option):
                setattr(stored, option, value)
        stored.quiet = True
        stored.argv = argv            # the description NEW carries is the stored one, so the bytes are FILE's
        stored.inputs = {role: meta["inputs"][role] for role in inputs}
        try:
            status = stored.handler(stored)
        except UserError as error:    # name NEW, never the private folder it was built in
            raise UserError(str(error).replace(built, new).replace(private, parent)) from None
        if status == 0:
            if folder and os.path.isdir(target):
                os.rmdir(target)
            os.replace(built, target)
            if poster and os.path.exists(poster_path(built)):
                os.replace(poster_path(built), poster_path(target))
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

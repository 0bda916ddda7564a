"""``animator reproduce FILE -o NEW``: a file made again from the command stored in it, byte for byte.

The description a file carries (read and checked by :func:`.info.description`)
is data, never authority.  ``reproduce`` parses the stored command as the
command line would (same checks, same up-front estimates), says what it will
make before it starts, and reads no file the user did not name on its own
command line: a run trained on a CSV needs ``--data PATH``, a render
``--recording PATH``, each checked against the content hash the file stores.
``NEW`` keeps the stored description, so it is the same bytes as ``FILE`` on
the same machine with the same package versions.  A file of ``animator book``
is made again alone: only the figure that wrote it, with the book's stored
options.  Which commands it runs again, each command declares
(``Command.reproducible``).
"""

import os
import shutil
import tempfile
from dataclasses import fields, replace

from animator import __version__
from animator.errors import UserError
from animator.untrusted import shown
from renderers.writers import check_poster_target, poster_path, writer_for

from ..provenance import file_identity
from .info import description, recorded_source, shown_command
from .options import COMMON, outputs
from .parser import parse
from .registry import Command, Option, register, reproducible
from .shared import note

# what a stored command may name that reproduce never takes from a file: other files it wrote beside the
# output, and where or how widely to compute (a cluster the file names is not one the user chose)
NOT_FROM_THE_FILE = {"save": None, "table": None, "save_runs": None, "scheduler": None, "workers": None}
FLAGS = {"data": "--data", "recording": "--recording"}     # the inputs a stored command may have read, as asked for


def _output_kind(path):
    return writer_for(path).KIND


def _values(options):
    """A command's options value as ``{option: value}`` (reproduce works over every command's)."""
    return {field.name: getattr(options, field.name) for field in fields(options)}


def stored_command(meta, name):
    """The stored command line's arguments after ``animator``; refused where it cannot be run again."""
    command = meta.get("command")
    source = recorded_source(meta)
    if source is not None and meta["kind"] == "race":
        script = (f"running the script again (animator record {shown(source.script)} -o RUN.npz)" if source.script
                  else "running the loop that recorded it again")
        raise UserError(f"{name}: a race with a recorded entrant ({source.text()}): that entrant is rebuilt by "
                        f"{script}, then animator compare RUN.npz with the book's SPECs; reproduce does not run it")
    if source is not None and (meta["kind"] == "recording" or not command or len(command) < 2
                               or command[1] not in reproducible()):
        again = (f"running the script again (animator record {shown(source.script)} -o NEW)" if source.script
                 else "running the loop that recorded it again")
        raise UserError(f"{name}: a recorded run ({source.text()}), not one animator trained: it is rebuilt by {again}")
    if meta["kind"] == "recording":
        raise UserError(f"{name}: a Recording carries its run's settings, not a command; animator info shows them")
    if not command:
        raise UserError(f"{name}: written from Python, not by a command, so there is no command to run again")
    if command[0] != "animator" or len(command) < 2:
        raise UserError(f"{name}: its stored command {shown_command(command)!r} is not an animator command")
    if command[1] not in reproducible():
        raise UserError(f"{name}: its stored command 'animator {shown(command[1])}' cannot be reproduced")
    asked = [part for part in command[2:] if part in ("-h", "--help", "--version")]
    if asked:
        raise UserError(f"{name}: its stored command asks for {asked[0]}, not a file; there is nothing to reproduce")
    return list(command[1:])


def given_inputs(meta, stored, options):
    """``{role: path}`` of the files the stored command read, as the user gives them now, checked by content hash.

    The stored command names them by base name only; what is read is what the
    user names on reproduce's own command line, and only if its content is the
    content the file was made from.
    """
    values = _values(stored)
    wanted = {role: os.path.basename(values[role]) for role in FLAGS if values.get(role)}
    given = {role: path for role, path in (("data", options.data), ("recording", options.recording)) if path}
    for role in given:
        if role not in wanted:
            raise UserError(f"{options.file}: its run read no {FLAGS[role]} file; drop {FLAGS[role]}")
    stored_identities = meta.get("inputs") or {}
    for role, name in wanted.items():
        if role not in given:
            raise UserError(f"{options.file}: was made from {shown(name)}; give it with {FLAGS[role]} PATH "
                            f"(reproduce reads no file you did not name, and checks its content)")
        if role not in stored_identities:
            raise UserError(f"{options.file}: its description holds no content hash of {shown(name)}, "
                            f"so {FLAGS[role]} cannot be checked")
        if file_identity(given[role], what=given[role])["sha256"] != stored_identities[role]["sha256"]:
            raise UserError(f"{given[role]}: is not the {shown(name)} {options.file} was made from "
                            f"(its content hash differs)")
    return {role: (wanted[role], given[role]) for role in wanted}


def run(options):
    meta = description(options.file)
    argv = stored_command(meta, options.file)
    new = options.output
    if os.path.abspath(new.rstrip(os.sep) or new) == os.path.abspath(options.file.rstrip(os.sep) or options.file):
        raise UserError(f"{new}: is the file to reproduce; give another path")
    command, stored = parse(argv)
    inputs = given_inputs(meta, stored, options)
    if command.name == "book":
        return _one_figure_of_the_book(options, stored)
    stored_output = _values(stored).get("output")
    if stored_output is None:
        raise UserError(f"{options.file}: its stored command wrote no file")
    if _output_kind(new) != _output_kind(stored_output):
        raise UserError(f"{new}: the stored command wrote {_output_kind(stored_output)}; "
                        f"reproduce writes the same kind (a {_output_kind(stored_output)} path)")
    folder = _output_kind(new) == "frames"
    target = new.rstrip(os.sep) if folder else new
    if folder and os.path.isdir(target) and os.listdir(target):
        raise UserError(f"{new}: exists and is not empty; reproduce writes a new folder")
    poster = _values(stored).get("poster") is not None and not folder   # a folder holds its own
    if poster:
        check_poster_target(poster_path(target))
    parent = os.path.dirname(os.path.abspath(target))
    if not os.path.isdir(parent):
        raise UserError(f"{new}: directory {parent} does not exist")
    if not options.quiet:
        if meta["animator"] != __version__:
            note(f"note: {options.file} was made by animator {shown(meta['animator'])}; this is {__version__}, "
                 f"so the bytes may differ")
        note(f"reproducing {new}{' and its poster' if poster else ''} with: {shown_command(['animator', *argv])}")
    # Built under a private folder beside NEW (with the inputs linked in under their stored names, so
    # the description NEW carries is FILE's), then moved into place.
    private = tempfile.mkdtemp(prefix=".reproduce.", dir=parent)
    built = os.path.join(private, os.path.basename(stored_output.rstrip(os.sep)) or "OUTPUT")
    try:
        changes = {}
        for role, (name, path) in inputs.items():
            linked = os.path.join(private, "inputs", name)
            os.makedirs(os.path.dirname(linked), exist_ok=True)
            os.symlink(os.path.abspath(path), linked)
            changes[role] = linked
        changes.update({option: value for option, value in NOT_FROM_THE_FILE.items() if option in _values(stored)})
        # the description NEW carries is the stored one (command line and inputs), so the bytes are FILE's
        again = replace(stored, **changes, output=built + os.sep if folder else built, quiet=True,
                        debug=options.debug, inputs={role: meta["inputs"][role] for role in inputs})
        try:
            status = command.run(again)
        except UserError as error:    # name NEW, never the private folder it was built in
            raise UserError(str(error).replace(built, new).replace(private, parent)) from None
        if status == 0:
            if folder and os.path.isdir(target):
                os.rmdir(target)
            os.replace(built, target)
            if poster and os.path.exists(poster_path(built)):
                os.replace(poster_path(built), poster_path(target))
            if not options.quiet:
                note(f"wrote {new}")
        return status
    finally:
        shutil.rmtree(private, ignore_errors=True)


def _one_figure_of_the_book(options, stored):
    """Make again the one figure of ``animator book`` that wrote FILE, in a private folder, and move it to NEW."""
    from ..book import check_book_options, remake
    from .book import book_options

    name = os.path.basename(options.file.rstrip(os.sep))
    extension = os.path.splitext(name)[1].lower()
    if os.path.splitext(options.output)[1].lower() != extension:
        raise UserError(f"{options.output}: the book wrote {name}; reproduce writes the same kind "
                        f"(a {extension} path)")
    chosen = book_options(stored)     # the description carries the book's command line, as FILE's does
    parent = os.path.dirname(os.path.abspath(options.output))
    check_book_options(parent, chosen)
    if not options.quiet:
        note(f"reproducing {name} of: {shown_command(['animator', *stored.argv])}")
    private = tempfile.mkdtemp(prefix=".reproduce.", dir=parent)
    try:
        remake(name, chosen, private)
        if not os.path.exists(os.path.join(private, name)):
            raise UserError(f"{options.file}: the book's figure did not write {name} with these options")
        os.replace(os.path.join(private, name), options.output)
        if not options.quiet:
            note(f"wrote {options.output}")
        return 0
    finally:
        shutil.rmtree(private, ignore_errors=True)


register(Command(
    "reproduce",
    description="Run the command stored in FILE again, writing NEW instead; NEW carries FILE's description, "
                "so on the same machine (same animator and package versions) it is the same bytes for GIF, "
                "PNG, MP4, HTML and frames folders. The stored command is the whole truth: no option here "
                "changes the result. It is checked as the command line would check it and shown before it "
                "runs; it reads no file you do not name here: a run trained on a CSV needs --data, a render "
                "--recording, each checked against the content hash FILE stores. A file of 'animator book' "
                "is made again alone: only its figure, with the book's options.",
    options=(
        Option(("file",), "a file animator wrote", metavar="FILE"),
        Option(("-o", "--output"), "where to write it again: the same kind of path as the original "
                                   f"({outputs(described=False)})", metavar="NEW", required=True),
        Option(("--data",), "the CSV the stored run was trained on (it must hash as FILE says; default: none)",
               metavar="FILE.csv"),
        Option(("--recording",), "the Recording a stored render drew (it must hash as FILE says; default: none)",
               metavar="RUN.npz"),
        *COMMON,
    ),
    run=run))

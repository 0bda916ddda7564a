"""What a written file says about where it came from, in a form that is safe to share and to read back.

Every file carries its command line and, when a command read a file of the
user's (a ``--data`` CSV, the Recording ``render`` drew), that input's base
name and content hash.  Two rules shape it:

- **No local paths, no output name.** The stored command names inputs by base
  name only and the output as ``OUTPUT`` with its extension, so the same run
  gives the same bytes whatever the output is called or where it lives, and a
  GIF a teacher posts does not carry ``/home/...``.
- **A description is data.** :func:`checked_description` verifies the shape
  of one read back from a file before anything uses it: ``info`` prints it
  escaped, ``reproduce`` runs only a command that passes.
"""

import hashlib
import os

from animator.errors import UserError
from animator.untrusted import open_input

OUTPUT_OPTIONS = ("--output",)                # "-o" is its short form
PATH_OPTIONS = ("--data", "--save", "--cache", "--table", "--save-runs")
OUTPUT_NAME = "OUTPUT"
INPUT_OPTIONS = {"data": "--data", "recording": "RUN.npz"}   # inputs a description may name, as reproduce asks for them

MAX_COMMAND_PARTS = 256
MAX_PART = 4096


def _output_placeholder(value):
    """``OUTPUT.gif`` for ``run.gif``, ``OUTPUT/`` for ``frames/``: the kind of path without its name."""
    if value.endswith(("/", os.sep)):
        return OUTPUT_NAME + "/"
    return OUTPUT_NAME + os.path.splitext(value)[1]


def _shared_value(option, value):
    """An option's path value as stored: the output's kind only, an input's base name (a folder keeps its slash)."""
    if option in OUTPUT_OPTIONS:
        return _output_placeholder(value)
    return os.path.basename(value.rstrip("/")) + ("/" if value.endswith("/") else "")


def _long_option(token):
    """The path-carrying long option ``token`` names (argparse accepts unambiguous prefixes), or None."""
    if token in OUTPUT_OPTIONS or token in PATH_OPTIONS:
        return token
    if not token.startswith("--") or len(token) < 3:
        return None
    matches = [option for option in (*OUTPUT_OPTIONS, *PATH_OPTIONS) if option.startswith(token)]
    return matches[0] if len(matches) == 1 else None


def shareable_command(argv, *, positional_paths=()):
    """``argv`` with every path made shareable: inputs by base name, the output as ``OUTPUT.ext``.

    ``positional_paths`` are the values of positional path arguments (the
    Recording ``render`` reads).  Idempotent, so a reproduced file's command
    is the original's.
    """
    out, expect = [], None
    positional = set(positional_paths)
    for token in argv:
        if expect is not None:
            out.append(_shared_value(expect, token))
            expect = None
            continue
        option, _, value = token.partition("=")
        named = _long_option(option) if token.startswith("--") else None
        if named and "=" in token:
            out.append(f"{option}={_shared_value(named, value)}")
        elif named:
            out.append(token)
            expect = named
        elif token == "-o":
            out.append(token)
            expect = "--output"
        elif token.startswith("-o") and not token.startswith("--"):
            out.append("-o" + _output_placeholder(token[2:]))
        elif token in positional:
            out.append(os.path.basename(token))
            positional.discard(token)
        else:
            out.append(token)
    return out


def file_identity(path, *, what):
    """``{"name": base name, "sha256": hex}`` of a regular file the user named (read in pieces)."""
    digest = hashlib.sha256()
    with open_input(path, what=what) as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return {"name": os.path.basename(os.fspath(path)), "sha256": digest.hexdigest()}


def command_inputs(args):
    """The user's files this command read, by role: ``{"data": identity}`` or ``{"recording": identity}``."""
    inputs = {}
    if getattr(args, "data", None):
        inputs["data"] = file_identity(args.data, what=args.data)
    if getattr(args, "recording", None):
        inputs["recording"] = file_identity(args.recording, what=args.recording)
    return inputs


# -- reading a description back --------------------------------------------------------------

def _text(value, limit=MAX_PART):
    return isinstance(value, str) and len(value) <= limit


def checked_description(meta, name):
    """``meta`` if it has the shape animator writes; a one-line :class:`UserError` naming what is wrong.

    Fields the commands use are checked by type and size; anything else in the
    description is only ever printed (escaped).
    """
    problems = []
    if not _text(meta.get("animator"), 64):
        problems.append("no animator version")
    if not _text(meta.get("kind"), 64):
        problems.append("no kind")
    if meta.get("caption") is not None and not _text(meta["caption"], 1 << 16):
        problems.append("a caption that is not text")
    command = meta.get("command")
    if command is not None and not (isinstance(command, list) and len(command) <= MAX_COMMAND_PARTS
                                    and all(_text(part) for part in command)):
        problems.append("a command that is not a list of strings")
    if meta.get("spec") is not None and not isinstance(meta["spec"], dict):
        problems.append("a spec that is not a mapping")
    inputs = meta.get("inputs")
    if inputs is not None and not (isinstance(inputs, dict) and set(inputs) <= set(INPUT_OPTIONS)
                                   and all(_identity(item) for item in inputs.values())):
        problems.append("inputs that are not name and sha256 pairs")
    if problems:
        raise UserError(f"{name}: its description is not one animator writes ({', '.join(problems)})")
    return meta


def _identity(item):
    return (isinstance(item, dict) and set(item) == {"name", "sha256"} and _text(item["name"], 255)
            and "/" not in item["name"] and _text(item["sha256"], 64) and len(item["sha256"]) == 64
            and all(c in "0123456789abcdef" for c in item["sha256"]))

"""``animator info FILE``: what a file says about its run, read back, checked and printed escaped.

Every file animator writes carries its description (see
:mod:`renderers.writers.metadata` and :mod:`..provenance`): the animator
version, kind, caption, the run's spec, the command line that made it (paths
made shareable) and the identity of any file of the user's it read.  A file is
data, never authority: ``info`` prints it with every control character
escaped, so a crafted caption cannot clear the screen, set a title or write
the clipboard.  ``animator reproduce`` reads it with :func:`description` too.
"""

import json
import os
import re
import shlex

from animator import __version__
from animator.errors import UserError
from animator.untrusted import shown, shown_json
from renderers.writers import read_metadata, writer_for

from ..provenance import checked_description
from .options import COMMON, outputs
from .registry import Command, Option, register

# descriptions this animator understands; a file may say ``"format": N`` (none do yet: 1 is implied)
METADATA_FORMAT = 1


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
    from ..snapshots.describe import describe_snapshot     # a test's snapshot file, run or frame

    snapshot = describe_snapshot(name)
    if snapshot is not None:
        return snapshot
    if name.lower().endswith(".npz") and not os.path.isdir(name):
        return _recording_description(name)
    try:
        writer_for(name)
    except UserError:
        raise UserError(f"{name}: not a file animator writes ({outputs(described=False)})") from None
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
    return {"animator": spec.versions.get("animator", "?"), "caption": describe(spec.optimizer),
            "command": None, "kind": "recording", "spec": spec.to_json()}


def recorded_source(meta):
    """The :class:`~animator.source.Source` of a recorded run's description (checked), or None for a trained run."""
    from animator.source import Source
    from animator.spec_checks import SpecError

    source = (meta.get("spec") or {}).get("source")
    if source is None:
        return None
    try:
        return Source.from_json(source)
    except SpecError as error:
        raise UserError(f"{shown(meta.get('kind', 'file'))}: {error}") from None


def source_line(source):
    """``recorded from chapter10.py (sha256 0123456789abcdef...) by the book adapter``: a recorded run's origin."""
    digest = f" (sha256 {source.sha256[:16]}...)" if source.sha256 else ""
    model = f", model {shown(source.model)}" if source.model else ""
    optimizer = f", optimizer class {shown(source.optimizer_class)}" if source.optimizer_class else ""
    return f"{source.text()}{digest}, {source.adapter} adapter{model}{optimizer}"


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


def run(options):
    meta = description(options.file)
    if options.json:
        print(shown_json(json.dumps(meta, sort_keys=True, ensure_ascii=False)))
        return 0
    print(f"file:     {shown(options.file)}")
    print(f"kind:     {shown(meta['kind'])}")
    print(f"caption:  {shown(meta.get('caption'))}")
    print(f"animator: {shown(meta['animator'])}" + ("" if meta["animator"] == __version__
                                                     else f" (this is {__version__})"))
    print("command:  " + ("(a Recording: the spec below is its run)" if meta["kind"] == "recording"
                           else "(a snapshot test's file)" if meta["kind"].endswith("snapshot")
                           else shown_command(meta.get("command"))))
    source = recorded_source(meta)
    if source is not None:
        print(f"source:   {source_line(source)}; rebuilt by running the script again")
    for role, identity in sorted((meta.get("inputs") or {}).items()):
        print(f"{role + ':':9s} {shown(identity['name'])} (sha256 {identity['sha256'][:16]}...)")
    print("spec:")
    for line in _lines(meta.get("spec") or {}):
        print(f"  {shown(line)}")
    return 0


register(Command(
    "info",
    description="Print the description every file animator writes carries (GIF comment, PNG text chunk, "
                "MP4 comment, HTML data-animator attribute, a frames folder's animation.json): its kind, "
                "caption, the animator version, the command line and the run's spec. Exit 2, with one line, "
                "for a file without one or from a newer animator.",
    options=(
        Option(("file",), f"a file animator wrote ({outputs(described=False)}) or a Recording .npz",
               metavar="FILE"),
        Option(("--json",), "print the description as JSON, as stored (default: readable lines)",
               action="store_true"),
        *COMMON,
    ),
    run=run))

"""A job's record in the book's cache, verified against the job table before it is trusted.

A record holds the SHA-256 of every file a job wrote and the gallery's
captions.  It is read bounded in size and depth and checked against its
schema; the files it must list come from the job table, never from the record.
"""

import hashlib
import json
import logging
import os

from animator.cache import Damaged, digest, is_sha256
from animator.errors import UserError
from animator.fileio import atomic_output
from animator.untrusted import is_regular_file, load_json, open_input, read_bounded, shown

from .table import Output, gallery_names, written_names

log = logging.getLogger(__name__)

MAX_RECORD_BYTES = 256 << 10         # a job's record: a few hashes and captions, far under this
MAX_RECORD_DEPTH = 4                 # {"outputs": [{"caption": ...}]}
MAX_TEXT = 4000                      # a caption or settings line of the gallery


def sha256(path):
    digest_ = hashlib.sha256()
    with open_input(path) as handle:          # a FIFO or a device in the folder is refused, never read
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest_.update(block)
    return digest_.hexdigest()


def job_record(cache, job, options):
    """The path of ``job``'s record in the cache and its key, or None when the job is not cached."""
    if cache is None or job.definition is None or not job.animations + job.stills:
        return None
    key = digest({"job": job.name, "definition": job.definition, "options": options, "versions": cache.versions})
    return os.path.join(cache.jobs, f"{key}.json"), key


def _text(value):
    return isinstance(value, str) and len(value) <= MAX_TEXT and value.isprintable()


def read_record(path, key, job, options):
    """``(files, outputs)`` of ``job``'s record at ``path``: every field checked; :class:`Damaged` says what is wrong.

    ``files`` maps each file the job writes (from the job table) to the SHA-256
    the record holds for it; ``outputs`` are the gallery's entries, their file
    names from the job table and only their captions from the record.
    """
    try:
        stored = load_json(read_bounded(path, MAX_RECORD_BYTES, what="its record"), what="its record",
                           max_depth=MAX_RECORD_DEPTH)
    except UserError as error:
        raise Damaged(str(error)) from None
    if not isinstance(stored, dict) or set(stored) != {"key", "files", "outputs"}:
        raise Damaged("not a record this animator writes")
    if stored["key"] != key:
        raise Damaged("another job's record")
    files, names = stored["files"], written_names(job, options)
    if not isinstance(files, dict) or set(files) != set(names) or not all(map(is_sha256, files.values())):
        raise Damaged("it does not hold a hash of each file the figure writes")
    entries, shown_names = stored["outputs"], gallery_names(job, options)
    if not isinstance(entries, list) or len(entries) != len(shown_names):
        raise Damaged("it does not list the figure's files")
    outputs = []
    for entry, name in zip(entries, shown_names):
        if not isinstance(entry, dict) or set(entry) != {"filename", "figure", "caption", "settings"} \
                or entry["filename"] != name or not all(_text(entry[k]) for k in ("figure", "caption", "settings")):
            raise Damaged("it does not list the figure's files")
        outputs.append(Output(name, entry["figure"], entry["caption"], entry["settings"]))
    return files, outputs


def unchanged(cache, record, job, options, directory):
    """The Outputs ``job`` made before, if its record verifies and every file it writes still has those bytes.

    A record that does not verify is noted once and the figure is made again;
    a file edited or removed since is simply made again.
    """
    path, key = record
    if cache.force or not os.path.lexists(path):
        return None
    try:
        files, outputs = read_record(path, key, job, options)
    except Damaged as error:
        cache.notes.append(f"job record {key[:12]} is damaged, making the figure again: {shown(error)}")
        return None
    for name, sha in files.items():
        target = os.path.join(directory, name)
        if not is_regular_file(target) or sha256(target) != sha:
            return None
    return outputs


def remember(cache, record, job, options, directory, outputs):
    """Write ``job``'s record: the hash of every file it writes, and the gallery's captions."""
    path, key = record
    names = written_names(job, options)
    if [output.filename for output in outputs] != gallery_names(job, options):
        raise RuntimeError(f"{job.name} wrote {[o.filename for o in outputs]}, not the files its job declares")
    if not all(is_regular_file(os.path.join(directory, name)) for name in names):
        log.info("%s: not every declared file was written; no record kept", job.name)
        return
    files = {name: sha256(os.path.join(directory, name)) for name in names}
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with atomic_output(path) as temporary:
            with open(temporary, "w", encoding="utf-8") as handle:
                json.dump({"key": key, "files": files,
                           "outputs": [{"filename": o.filename, "figure": o.figure, "caption": o.caption,
                                        "settings": o.settings} for o in outputs]}, handle, sort_keys=True)
    except (OSError, UserError) as error:
        reason = (error.strerror or type(error).__name__) if isinstance(error, OSError) else str(error)
        cache.notes.append(f"job record {key[:12]} could not be kept: {shown(reason)}")


"""Grades from ``animator check``'s outcomes: Gradescope's ``results.json`` and a plain CSV for other LMSs.

Gradescope's autograder reads ``/autograder/results/results.json`` for one
submission: ``tests``, each with ``name``, ``score``, ``max_score``, ``status``
(``passed``/``failed``) and ``output``, and the submission's ``score``,
``execution_time`` and ``output`` (see Gradescope's "Autograder
Specifications").  :func:`gradescope` builds that object for one file's
outcomes, one test per setting; :func:`csv_rows` one row per file, with its
score and what each setting came to.
"""

import csv
import io
import json
import os

from animator.fileio import atomic_output

REPORTS = ("gradescope", "csv")
SHOWN_LINES = 20        # of a file's own output, in a failed test's output


def by_file(outcomes):
    """``{file: [outcomes]}`` in the order the files were given."""
    grouped = {}
    for outcome in outcomes:
        grouped.setdefault(outcome.file, []).append(outcome)
    return grouped


def gradescope(outcomes, *, points=1.0):
    """Gradescope's results.json object for one submission's outcomes: one test per (class, setting)."""
    tests = [{"name": f"{outcome.class_name or outcome.name or 'optimizer'} against {outcome.setting}",
              "score": float(points) if outcome.passed else 0.0,
              "max_score": float(points),
              "status": "passed" if outcome.passed else "failed",
              "output": _test_output(outcome),
              "visibility": "visible"}
             for outcome in outcomes]
    passed = sum(outcome.passed for outcome in outcomes)
    return {"score": float(points) * passed,
            "execution_time": int(round(sum(outcome.seconds for outcome in outcomes))),
            "output": f"{passed} of {len(outcomes)} settings match the book's optimizer, epoch by epoch.",
            "visibility": "visible",
            "stdout_visibility": "hidden",
            "tests": tests}


def _test_output(outcome):
    text = outcome.text()
    if outcome.passed or not outcome.output:
        return text
    lines = outcome.output.rstrip("\n").split("\n")[-SHOWN_LINES:]
    return f"{text}\n\nYour file printed (last {len(lines)} of {outcome.output_lines} lines):\n" + "\n".join(lines)


def csv_text(outcomes, *, points=1.0):
    """The CSV summary: a header, then per file its score, out of what, and each setting's verdict."""
    grouped = by_file(outcomes)
    settings = list(dict.fromkeys(outcome.setting for outcome in outcomes))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(["file", "score", "max_score", *settings])
    for file, mine in grouped.items():
        verdicts = {outcome.setting: _verdict(outcome) for outcome in mine}
        score = float(points) * sum(outcome.passed for outcome in mine)
        writer.writerow([_cell(file), f"{score:g}", f"{float(points) * len(mine):g}",
                         *(_cell(verdicts.get(setting, "")) for setting in settings)])
    return out.getvalue()


def _verdict(outcome):
    if outcome.passed:
        return "passed"
    if outcome.error is not None:
        return f"{outcome.error}: {outcome.message}"
    result = outcome.result
    named = f" ({'; '.join(result.mistakes)})" if result.mistakes else ""
    return f"differs at epoch {result.epoch}, Dense layer {result.layer}, {result.array}{named}"


def _cell(text):
    """A cell a spreadsheet shows as text, never runs as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


def submission_keys(files):
    """``{file: key}``: a short, distinct name per submission, from the paths given (``alice`` for
    ``submissions/alice/optimizers.py`` when every file has the same name)."""
    folders = [os.path.dirname(os.path.abspath(file)) for file in files]
    root = os.path.commonpath(folders)
    same_name = len({os.path.basename(file) for file in files}) == 1 and len(set(folders)) == len(files)
    keys = {}
    for file in files:
        where = os.path.abspath(file)
        key = os.path.relpath(os.path.dirname(where) if same_name else os.path.splitext(where)[0], root)
        keys[file] = key
    return keys


def write_text(path, text):
    """Write ``text`` to ``path`` atomically (``-``: standard output)."""
    if path == "-":
        print(text, end="", flush=True)
        return
    with atomic_output(path) as temporary:
        with open(temporary, "w", encoding="utf-8", newline="") as handle:
            handle.write(text)


def write_gradescope(outcomes, path, *, points=1.0):
    """One results.json: at ``path`` for one submission, else ``path/<submission>/results.json`` for each.

    Returns the paths written.
    """
    grouped = by_file(outcomes)
    if len(grouped) == 1:
        write_text(path, json.dumps(gradescope(next(iter(grouped.values())), points=points), indent=2) + "\n")
        return [path]
    keys = submission_keys(list(grouped))
    written = []
    for file, mine in grouped.items():
        target = os.path.join(path, keys[file], "results.json")
        os.makedirs(os.path.dirname(target), exist_ok=True)
        write_text(target, json.dumps(gradescope(mine, points=points), indent=2) + "\n")
        written.append(target)
    return written

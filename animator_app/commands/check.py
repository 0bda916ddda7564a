"""``animator check FILE.py:CLASS... --against SPEC...``: readers' optimizer classes, checked against the book's.

Each (file, setting) is checked in a fresh process of its own (:mod:`..grading`),
``--jobs`` at a time, each stopped after ``--timeout`` seconds.  Exit status 0
when every check matches for every epoch, 1 when any differs, 2 when any file,
class or setting cannot be used (or timed out, or ended without a result).
"""

import json
import math
import os

from animator.errors import UserError
from animator.race import parse_spec
from animator.testing import DEFAULT_RTOL
from animator.untrusted import shown

from ..check import split_target
from ..check_reports import REPORTS, csv_text, write_gradescope, write_text
from ..grading import Task, run_checks
from ..notebook import skipped_note
from ..outcome import EXIT_PASSED
from .options import COMMON, integer, positive
from .registry import Command, Option, register
from .shared import note

SLOW_IMPORT = 3.0        # seconds: an import this slow is named, with the __main__ hint
SHOWN_LINES = 20         # of a file's own output after a failure (-v: all that was kept)


def run(options):
    targets = [split_target(target) for target in options.target]
    for text in options.against:
        parse_spec(text)           # a bad setting is refused before any process starts
    settings = list(dict.fromkeys(options.against))
    _check_options(options, targets)
    tasks = [Task(path, name, setting, options.epochs, options.rtol)
             for path, name in targets for setting in settings]
    several = len({path for path, _ in targets}) > 1
    status, outcomes, noted = EXIT_PASSED, [], set()
    for outcome in run_checks(tasks, jobs=options.jobs, timeout=options.timeout, debug=options.debug):
        outcomes.append(outcome)
        status = max(status, outcome.status)
        _show(outcome, options, several, noted)
    if options.report == "gradescope":
        written = write_gradescope(outcomes, options.output, points=options.points)
        if not options.quiet and options.output != "-":
            note(f"wrote {', '.join(written) if len(written) <= 3 else f'{len(written)} results.json files'}")
    elif options.report == "csv":
        write_text(options.output, csv_text(outcomes, points=options.points))
    return status


def _check_options(options, targets):
    if options.timeout is not None and not (math.isfinite(options.timeout) and options.timeout > 0):
        raise UserError("--timeout must be a positive number of seconds")
    if options.report is None:
        if options.output != "-":
            raise UserError("-o names where --report writes; give --report gradescope or --report csv")
        return
    if options.json and options.output == "-":
        raise UserError(f"--json and --report {options.report} would both write to standard output: "
                        f"give -o PATH for the report")
    files = {path for path, _ in targets}
    if options.report == "gradescope" and len(files) > 1:
        if options.output == "-" or (os.path.exists(options.output) and not os.path.isdir(options.output)):
            raise UserError(f"with {len(files)} files, --report gradescope writes one results.json per file: "
                            f"give -o DIR/ (DIR/NAME/results.json each)")


def _show(outcome, options, several, noted):
    """Print one outcome: a line (or the difference) on stdout, or its --json object; notes and errors on stderr."""
    text = "\n".join(shown(line) for line in outcome.text().split("\n"))     # a class's name is the file's text
    if outcome.error is not None:
        named = several and not outcome.message.startswith(outcome.file)
        note(f"animator: error: {shown(outcome.file) + ': ' if named else ''}{text}")
        if options.debug and outcome.traceback:
            note(shown(outcome.traceback))
    if options.json:
        print(json.dumps(outcome.to_dict(), allow_nan=False), flush=True)
    elif outcome.error is None and not options.quiet and (options.report is None or options.output != "-"):
        prefix = f"{shown(outcome.file)}: " if several else ""
        print(prefix + text, flush=True)
    if options.quiet:
        return
    first_time = outcome.file not in noted
    noted.add(outcome.file)
    if first_time and outcome.skipped:
        note(f"note: {shown(skipped_note(outcome.file, outcome.skipped))}")
    if first_time and outcome.import_seconds is not None and outcome.import_seconds > SLOW_IMPORT:
        note(f"note: importing {shown(outcome.file)} took {outcome.import_seconds:.1f} s, for every setting checked: "
             f"its top level runs more than definitions (training? printing?); keep that under "
             f"if __name__ == \"__main__\": so a check imports only the classes")
    if outcome.output and (options.verbose or not outcome.passed):
        lines = outcome.output.rstrip("\n").split("\n")
        if not options.verbose:
            lines = lines[-SHOWN_LINES:]
        kept = f"last {len(lines)} of {outcome.output_lines} lines" if len(lines) < outcome.output_lines else \
            f"{len(lines)} line{'s' if len(lines) != 1 else ''}"
        more = "" if options.verbose or len(lines) == outcome.output_lines else "; -v shows more"
        note(f"{shown(outcome.label)} printed ({kept}{more}):")
        for line in lines:
            note(f"  | {shown(line)}")


register(Command(
    "check",
    description="Import FILE.py (or run NOTEBOOK.ipynb's code cells), build CLASS with the settings of SPEC under "
                "the book's argument names (learning_rate, decay, momentum, epsilon, rho, beta_1, beta_2), and "
                "train the chapter's model with the built-in optimizer, handing your class the same weights, "
                "gradients and state at every epoch. Exit 0 if its steps match to within float32 rounding for "
                "every epoch; exit 1 at the first epoch where they differ, with the array, the largest "
                "difference and the known mistake it reproduces, if any; exit 2 if the file, class or settings "
                "cannot be used. Several files and several --against each get a check of their own, each in a "
                "fresh process: --json for one JSON object per check, --report for Gradescope or a CSV. "
                "The file is imported, so keep scripts under if __name__ == '__main__':.",
    options=(
        Option(("target",), "your optimizer: a file (.py or .ipynb) with a class with the book's "
                            "update_params(layer) (and pre_/post_update_params), or init(param) and "
                            "update(grad, state); :CLASS may be left out if the file has one optimizer class, or "
                            "one named for each --against (Optimizer_Adam for adam); several files: a check each",
               metavar="FILE[:CLASS]", nargs="+"),
        Option(("--against",), "the book's optimizer and settings, as in compare: sgd:lr=1,decay=1e-3,momentum=0.9, "
                               "adagrad:decay=1e-4, rmsprop:lr=0.02,decay=1e-5,rho=0.999, adam:lr=0.05,decay=5e-7; "
                               "give it again for more settings (a decay of 5e-7 one step late shows only with a "
                               "larger decay: add adam:lr=0.05,decay=1e-2)",
               required=True, metavar="SPEC", action="append"),
        Option(("--epochs",), "check epochs 0..N (default: %(default)s)", type=integer(0), default=1000, metavar="N",
               arguments=("epochs",)),
        Option(("--rtol",), "allowed difference, relative to the size of each update "
                            "(default: %(default)g, a few float32 roundings)",
               type=positive, default=DEFAULT_RTOL, metavar="X"),
        Option(("--timeout",), "stop a check (its file's import included) after S seconds and report it as timed "
                               "out, with every process it started (default: %(default)g)",
               type=positive, default=600.0, metavar="S"),
        Option(("--jobs",), "checks run at once, each in a process of its own (default: %(default)s)",
               type=integer(1), default=1, metavar="N"),
        Option(("--json",), "print one JSON object per file, class and setting: passed, epochs, the first "
                            "differing epoch, layer, array, index, values, mistakes, message, seconds, error",
               action="store_true"),
        Option(("--report",), "also write grades: gradescope (Gradescope's autograder results.json, a test per "
                              "setting) or csv (a row per file: score, max_score, each setting's verdict) "
                              "(default: none)", choices=REPORTS),
        Option(("-o", "--output"), "where --report writes: a file, - for standard output, or with several files "
                                   "and gradescope a folder, DIR/NAME/results.json each (default: %(default)s)",
               default="-", metavar="PATH"),
        Option(("--points",), "a setting's score when it matches (default: %(default)g)", type=positive,
               default=1.0, metavar="X"),
        Option(("-v", "--verbose"), "show what your file printed, also when it passes (after a failure the last "
                                    "20 lines are shown anyway)", action="store_true"),
        *COMMON,
    ),
    run=run))

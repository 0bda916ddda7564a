"""A sweep's table: one CSV row per run, its optimizer's every hyper-parameter and its results.

Numbers are written in their shortest exact form, so the same sweep gives
the same bytes wherever its runs trained.
"""

import csv
import io

import numpy as np

from .fileio import atomic_output
from .sweep_plan import hyperparameter_names


# what the table says of a run besides its settings, in order: (column, value of a summary)
RESULT_COLUMNS = (
    ("final_loss", lambda r: r.final_loss),
    ("final_accuracy", lambda r: r.final_accuracy),
    ("best_accuracy", lambda r: r.best_accuracy),
    ("best_epoch", lambda r: r.best_epoch),
    ("diverged_at", lambda r: r.diverged_at),
    ("seconds", lambda r: r.seconds),
)


def table_columns(sweep):
    """The table's header: the optimizer, each of its hyper-parameters, then :data:`RESULT_COLUMNS`."""
    return ["optimizer", *hyperparameter_names(sweep.optimizer.name), *(name for name, _ in RESULT_COLUMNS)]


def table_rows(result):
    """One row of values per run, in cell order, matching :func:`table_columns`."""
    rows = []
    for run in result.runs:
        spec = run.spec
        settings = spec.complete()
        rows.append([spec.name, *(settings[name] for name in hyperparameter_names(spec.name)),
                     *(value(run) for _, value in RESULT_COLUMNS)])
    return rows


def _cell_text(column, value):
    if value is None:
        return ""
    if column == "final_loss":
        return str(np.float32(value))         # the loss is float32: its shortest exact form
    if column == "seconds":
        return f"{value:.3f}"
    return repr(value) if isinstance(value, float) else str(value)


def table_text(result):
    """The table as CSV text: every number in its shortest exact form, ``diverged_at`` empty if none."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    header = table_columns(result.sweep)
    writer.writerow(header)
    for row in table_rows(result):
        writer.writerow([_cell_text(column, value) for column, value in zip(header, row)])
    return buffer.getvalue()


def write_table(result, path):
    """Write :func:`table_text` to ``path`` atomically."""
    with atomic_output(path) as temporary:
        with open(temporary, "w", encoding="utf-8", newline="") as handle:
            handle.write(table_text(result))
    return path

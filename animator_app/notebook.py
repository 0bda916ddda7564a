"""A Jupyter notebook's code, run as a module: what ``animator check lecture.ipynb:Optimizer_Adam`` imports.

>>> notebook = read_notebook("lecture.ipynb")              # doctest: +SKIP
>>> module = run_notebook(notebook, "lecture")             # doctest: +SKIP
>>> skipped_note(notebook.path, [text for _, _, text in notebook.skipped])    # doctest: +SKIP
'lecture.ipynb: skipped 2 IPython lines (%matplotlib inline, !pip install nnfs)'

A notebook is data from someone else: its JSON is read bounded in size and
depth and its shape checked (nbformat 4: ``cells``, each with ``cell_type``
and ``source``) before any cell runs.  Its code cells then run in order in
one fresh module, as "Run all" would, except what only IPython understands:
line magics (``%matplotlib inline``), cell magics (a ``%%bash`` cell; the body
of ``%%time`` and ``%%capture`` still runs), shell lines (``!pip install
nnfs``, ``files = !ls``) and ``get_ipython()`` statements.  Each is replaced by
``pass`` so line numbers stay, and listed in ``Notebook.skipped`` (``%time
STATEMENT`` runs the statement).  ``get_ipython()`` inside an expression
returns a stand-in that does nothing and lists the call (:func:`stand_ins`,
which a ``.py`` exported from a notebook gets too).  Each cell
is compiled as ``NOTEBOOK, cell N`` (N counts every cell from 1, as they stand
in the notebook), so errors name the cell and its line.
"""

import linecache
import os
import re
import sys
import types
from dataclasses import dataclass

from animator.errors import UserError
from animator.untrusted import Untrusted, load_json, read_bounded

MAX_NOTEBOOK_BYTES = 64 << 20      # a chapter with its plots' outputs is a few MiB
MAX_DEPTH = 64                      # outputs and widget state nest deeper than animator's own files
RUN_BODY = ("time", "capture", "prun")     # cell magics whose body is Python that runs once

_MAGIC = re.compile(r"^(\s*)(%|!|[A-Za-z_][\w.]*\s*=\s*[%!]|get_ipython\(\))")


@dataclass(frozen=True)
class Cell:
    """One code cell: its position among all cells (from 1), its code as run, and its name in tracebacks."""

    number: int
    code: str
    filename: str


@dataclass(frozen=True)
class Notebook:
    """A notebook's code cells, ready to run, and the IPython-only lines left out (``(cell, line, text)``)."""

    path: str
    cells: tuple
    skipped: tuple


def is_notebook(path):
    return os.path.splitext(os.fspath(path))[1].lower() == ".ipynb"


def read_notebook(path):
    """The code cells of the notebook at ``path``; a one-line :class:`UserError` for anything unreadable."""
    label = os.fspath(path)
    data = load_json(read_bounded(path, MAX_NOTEBOOK_BYTES, what=label), what=label,
                     max_bytes=MAX_NOTEBOOK_BYTES, max_depth=MAX_DEPTH)
    cells = _cells(data, label)
    where = os.path.abspath(label)
    code, skipped = [], []
    for number, cell in enumerate(cells, start=1):
        if cell.get("cell_type") != "code":
            continue
        source = _text(cell.get("source"), label, number)
        kept, left_out = _python(source)
        skipped += [(number, line, text) for line, text in left_out]
        code.append(Cell(number, kept, f"{where}, cell {number}"))
    return Notebook(label, tuple(code), tuple(skipped))


def run_notebook(notebook, module_name):
    """Run ``notebook``'s cells in order in a fresh module named ``module_name`` and return the module.

    The module's ``__file__`` is the notebook; ``get_ipython`` and ``display``
    are stand-ins that do nothing and print, so code written for IPython runs.
    Registered in ``sys.modules`` while it runs (classes and pickles look their
    module up there).  A SyntaxError is a :class:`UserError` naming the cell;
    what a cell raises propagates, its traceback naming ``NOTEBOOK, cell N``.
    """
    module = types.ModuleType(module_name)
    module.__file__ = os.path.abspath(notebook.path)
    names, ipython = stand_ins()
    module.__dict__.update(names)
    sys.modules[module_name] = module
    for cell in notebook.cells:
        lines = cell.code.splitlines(keepends=True)
        linecache.cache[cell.filename] = (len(cell.code), None, lines, cell.filename)   # for tracebacks
        try:
            compiled = compile(cell.code, cell.filename, "exec")
        except SyntaxError as error:
            raise UserError(f"{notebook.path}, cell {cell.number}, line {error.lineno}: "
                            f"SyntaxError: {error.msg}") from None
        exec(compiled, module.__dict__)
    module.__ipython_calls__ = tuple(ipython.calls)
    return module


def skipped_note(path, skipped, *, shown=3):
    """One line saying what of ``path`` was left out (``None`` if nothing was): the count and the first few."""
    if not skipped:
        return None
    texts = [text.strip() for text in skipped]
    listed = ", ".join(texts[:shown]) + (", ..." if len(texts) > shown else "")
    count = len(texts)
    return f"{path}: skipped {count} IPython line{'s' if count != 1 else ''} ({listed})"


def _cells(data, label):
    if not isinstance(data, dict):
        raise Untrusted(f"{label}: not a Jupyter notebook (expected a JSON object)")
    version = data.get("nbformat")
    if "worksheets" in data or (isinstance(version, int) and version < 4):
        raise Untrusted(f"{label}: an nbformat {version} notebook; open and save it in Jupyter to update it to 4")
    cells = data.get("cells")
    if not isinstance(cells, list):
        raise Untrusted(f"{label}: not a Jupyter notebook (no list of cells)")
    language = _language(data.get("metadata"))
    if language not in (None, "python"):
        raise UserError(f"{label}: a {language} notebook, not Python")
    for number, cell in enumerate(cells, start=1):
        if not isinstance(cell, dict) or not isinstance(cell.get("cell_type"), str):
            raise Untrusted(f"{label}: cell {number} is not a notebook cell")
    return cells


def _language(metadata):
    if not isinstance(metadata, dict):
        return None
    for key, field in (("language_info", "name"), ("kernelspec", "language")):
        value = metadata.get(key)
        if isinstance(value, dict) and isinstance(value.get(field), str):
            return value[field].lower()
    return None


def _text(source, label, number):
    """A cell's source: a string, or the list of strings nbformat stores."""
    if isinstance(source, str):
        return source
    if isinstance(source, list) and all(isinstance(line, str) for line in source):
        return "".join(source)
    raise Untrusted(f"{label}: cell {number}'s source is not text")


def _python(source):
    """``(code, left out)``: the cell with IPython-only lines replaced by ``pass``, and those lines by number."""
    lines = source.splitlines()
    if not lines:
        return "", []
    first = lines[0].strip()
    if first.startswith("%%"):
        magic = first[2:].split()[0] if first[2:].split() else ""
        if magic not in RUN_BODY:           # %%bash, %%writefile, %%html, %%timeit: not run once as Python
            return "pass\n" + "\n" * (len(lines) - 1), [(1, first)]
        left_out, lines = [(1, first)], ["pass"] + lines[1:]
    else:
        left_out = []
    try:
        compile("\n".join(lines) + "\n", "<cell>", "exec")
        plain = True            # Python as it stands: only get_ipython() statements are left out
    except SyntaxError:
        plain = False
    kept = []
    for number, line in enumerate(lines, start=1):
        found = _MAGIC.match(line)
        stripped = line.strip()
        if found and stripped.startswith(("%time ", "%timeit ")) and not plain:
            kept.append(found.group(1) + stripped.split(None, 1)[1])      # the statement runs, untimed
        elif found and (stripped.startswith("get_ipython()") or not plain and _is_ipython(line)):
            kept.append(found.group(1) + "pass")
            left_out.append((number, stripped))
        else:
            kept.append(line)
    return "\n".join(kept) + "\n", left_out


def _is_ipython(line):
    """Whether a line that starts like a magic is one (``x = !ls``, ``%time f()``), not Python (``x = a % b``)."""
    stripped = line.strip()
    if stripped.startswith(("%", "!")) or stripped.startswith("get_ipython()"):
        return True
    _, _, value = stripped.partition("=")
    return value.strip().startswith(("%", "!")) and not value.strip().startswith("!=")


class IPythonStandIn:
    """What ``get_ipython()`` returns outside IPython: every method call does nothing and is listed in ``calls``."""

    def __init__(self):
        self.calls = []

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)

        def ignored(*args, **kwargs):
            shown = ", ".join([repr(a) for a in args] + [f"{k}={v!r}" for k, v in kwargs.items()])
            self.calls.append(f"get_ipython().{name}({shown})")

        return ignored


def stand_ins():
    """``(names, stand-in)``: ``get_ipython`` and ``display`` for a module's namespace, so IPython code runs."""
    ipython = IPythonStandIn()
    return {"get_ipython": lambda: ipython, "display": _display}, ipython


def _display(*values, **options):
    for value in values:
        print(repr(value))

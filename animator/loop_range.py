"""How many epochs a script's training loop will run, read from its ``for ... in range(...)`` line.

``animator record`` knows the frame epochs in advance (so it evaluates the
decision regions of those epochs only, as ``animator train`` does) when it
knows the loop's last epoch.  A reader seldom says it; the loop does:

    for epoch in range(10001):
    for epoch in range(int(sys.argv[1]) + 1 if len(sys.argv) > 1 else 10001):
    for epoch in range(EPOCHS + 1):

:func:`planned_last_epoch` finds the innermost ``for`` statement around the
line the loop frame is at (the optimizer call), reads its source (the script's
file, or a notebook cell through :mod:`linecache`) and works out its
``range(...)`` arguments (one loop only: in nested loops which one is the
epochs' is a guess, so none is made) with a small evaluator that knows whole numbers,
arithmetic, comparisons, ``a if c else b``, ``len(...)``, ``int(...)`` of a
number or numeric text, subscripts, and the names the frame binds to such
values (``sys.argv`` included).  It calls none of the script's functions and
changes nothing, so it cannot disturb the run; anything else is "unknown"
(None), and frames are then spread as the run goes.  The answer is believed
only if the loop variable holds the range's first value while the first epoch
trains.
"""

import ast
import linecache
import operator

_BINARY = {ast.Add: operator.add, ast.Sub: operator.sub, ast.Mult: operator.mul, ast.FloorDiv: operator.floordiv,
           ast.Mod: operator.mod}
_COMPARE = {ast.Gt: operator.gt, ast.GtE: operator.ge, ast.Lt: operator.lt, ast.LtE: operator.le,
            ast.Eq: operator.eq, ast.NotEq: operator.ne}
MAX_SOURCE = 1 << 20          # characters of a script read to find its loop


class _Unknown(Exception):
    pass


def planned_last_epoch(frame):
    """The last epoch (``len(range(...)) - 1``) of the ``for`` loop ``frame`` is inside, or None if unknown."""
    try:
        loop = _innermost_for(frame)
        if loop is None:
            return None
        call = loop.iter
        if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Name) and call.func.id == "range"
                and not call.keywords and 1 <= len(call.args) <= 3 and _is_builtin(frame, "range", range)):
            return None
        values = [_value(arg, frame) for arg in call.args]
        if not all(isinstance(v, int) and not isinstance(v, bool) for v in values):
            return None
        steps = range(*values)
        if len(steps) < 1 or not isinstance(loop.target, ast.Name):
            return None
        namespace = frame.f_locals
        if namespace.get(loop.target.id, None) != steps[0] or type(namespace.get(loop.target.id)) is not int:
            return None                  # not at the loop's first value: not the loop we think, or not its first pass
        return len(steps) - 1
    except (_Unknown, SyntaxError, ValueError, TypeError, ZeroDivisionError, OverflowError, RecursionError):
        return None


def _innermost_for(frame):
    """The one ``for`` statement around the frame's line; None if there is none, or several (batches in epochs)."""
    lines = linecache.getlines(frame.f_code.co_filename, frame.f_globals)
    source = "".join(lines)
    if not source or len(source) > MAX_SOURCE:
        return None
    line = frame.f_lineno
    around = [node for node in ast.walk(ast.parse(source))
              if isinstance(node, ast.For) and node.lineno <= line <= (node.end_lineno or node.lineno)]
    return around[0] if len(around) == 1 else None


def _value(node, frame, depth=0):
    if depth > 20:
        raise _Unknown
    if isinstance(node, ast.Constant) and isinstance(node.value, (int, str)) and not isinstance(node.value, bool):
        return node.value
    if isinstance(node, ast.Name):
        return _bound(frame, node.id)
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.attr == "argv":
        import sys

        if _bound(frame, node.value.id, plain=False) is sys:
            return list(sys.argv)
        raise _Unknown
    if isinstance(node, ast.BinOp) and type(node.op) in _BINARY:
        left, right = _value(node.left, frame, depth + 1), _value(node.right, frame, depth + 1)
        if not (isinstance(left, int) and isinstance(right, int)):
            raise _Unknown
        return _BINARY[type(node.op)](left, right)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        value = _value(node.operand, frame, depth + 1)
        if not isinstance(value, int):
            raise _Unknown
        return -value
    if isinstance(node, ast.IfExp):
        return _value(node.body if _value(node.test, frame, depth + 1) else node.orelse, frame, depth + 1)
    if isinstance(node, ast.Compare) and len(node.ops) == 1 and type(node.ops[0]) in _COMPARE:
        left, right = _value(node.left, frame, depth + 1), _value(node.comparators[0], frame, depth + 1)
        if not (isinstance(left, int) and isinstance(right, int)):
            raise _Unknown
        return _COMPARE[type(node.ops[0])](left, right)
    if isinstance(node, ast.Subscript):
        sequence, index = _value(node.value, frame, depth + 1), _value(node.slice, frame, depth + 1)
        if not (isinstance(sequence, list) and isinstance(index, int)):
            raise _Unknown
        return sequence[index]
    if (isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in ("int", "len")
            and len(node.args) == 1 and not node.keywords):
        builtin = int if node.func.id == "int" else len
        if not _is_builtin(frame, node.func.id, builtin):
            raise _Unknown
        value = _value(node.args[0], frame, depth + 1)
        if builtin is len:
            if not isinstance(value, list):
                raise _Unknown
            return len(value)
        if isinstance(value, str) and len(value) > 30:
            raise _Unknown
        return int(value)
    raise _Unknown


def _is_builtin(frame, name, builtin):
    for namespace in (frame.f_locals, frame.f_globals):
        if name in namespace:
            return namespace[name] is builtin
    return True


def _bound(frame, name, plain=True):
    """A name's value in the frame: whole numbers, text and lists of text only (unless ``plain`` is False)."""
    for namespace in (frame.f_locals, frame.f_globals):
        if name in namespace:
            value = namespace[name]
            if not plain:
                return value
            if type(value) in (int, str) or (type(value) is list and all(type(v) is str for v in value)):
                return list(value) if type(value) is list else value
            raise _Unknown
    raise _Unknown

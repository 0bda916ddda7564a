"""What one check of one file against one setting came to, as ``animator check --json`` writes it and reads it back.

An :class:`Outcome` is a :class:`~animator.testing.CheckResult` (when the class
could be checked) plus what grading adds: the file, how long it took, the
file's own output, and, when there is no result, why (``error``: ``unusable``,
``timeout`` or ``crashed``).  ``to_dict()`` is one flat JSON object::

    {"file": "alice/optimizers.py", "class": "Optimizer_Adam", "setting": "adam:lr=0.05",
     "passed": false, "error": null, "epoch": 0, "layer": 1, "array": "weights", "index": [0, 47],
     "values": {"yours": ..., "book": ..., ...}, "mistakes": ["epsilon inside the square root"],
     "message": "...", "seconds": 1.2, ...}
"""

from dataclasses import dataclass

from animator.errors import UserError
from animator.testing import CheckResult

EXIT_PASSED, EXIT_DIFFERS, EXIT_UNUSABLE = 0, 1, 2
ERRORS = ("unusable", "timeout", "crashed")
RESULT_FIELDS = ("epochs", "epochs_checked", "rtol", "epoch", "layer", "array", "index", "values", "mistakes",
                 "note", "hints", "against")


@dataclass(frozen=True)
class Outcome:
    """One (file, class, setting) checked.  ``name`` is the class asked for (None: found in the file)."""

    file: str
    name: str
    setting: str
    seconds: float
    output: str = ""
    output_lines: int = 0
    error: str = None
    message: str = None
    result: CheckResult = None
    class_name: str = None
    import_seconds: float = None
    skipped: tuple = ()
    traceback: str = None

    @property
    def passed(self):
        return self.error is None and self.result is not None and self.result.passed

    @property
    def status(self):
        """0 passed, 1 differs, 2 could not be checked (unusable, timed out, crashed)."""
        if self.error is not None or self.result is None:
            return EXIT_UNUSABLE
        return EXIT_PASSED if self.result.passed else EXIT_DIFFERS

    @property
    def label(self):
        """``alice/optimizers.py:Optimizer_Adam``: the file and the class it was (or was asked to be)."""
        name = self.class_name or self.name
        return f"{self.file}:{name}" if name else self.file

    def text(self):
        """What a person reads: the result's summary, or the one-line reason there is none."""
        return self.result.summary() if self.result is not None else self.message

    @classmethod
    def from_answer(cls, answer, **common):
        """The outcome a child process's answer (a parsed JSON dict) describes; UserError if it is not one."""
        if not isinstance(answer, dict):
            raise UserError("not an object")
        if "result" in answer:
            result = CheckResult.from_dict(answer["result"])
            skipped = answer.get("skipped") or []
            seconds = answer.get("import_seconds")
            if not (isinstance(skipped, list) and all(isinstance(s, str) for s in skipped)):
                raise UserError("skipped is not a list of text")
            return cls(**common, result=result, class_name=_text(answer.get("class")), message=result.summary(),
                       import_seconds=None if seconds is None else float(seconds), skipped=tuple(skipped))
        error = answer.get("error")
        if error not in ERRORS or not isinstance(answer.get("message"), str):
            raise UserError("neither a result nor an error")
        return cls(**common, error=error, message=answer["message"], traceback=_text(answer.get("traceback")))

    def to_dict(self):
        """One flat JSON object: the outcome's own fields and the result's (None where there is no result)."""
        result = self.result.to_dict() if self.result is not None else {}
        data = {"file": self.file, "class": self.class_name or self.name, "setting": self.setting,
                "passed": self.passed, "error": self.error}
        data.update({key: result.get(key) for key in RESULT_FIELDS})
        data["mistakes"] = data["mistakes"] or []
        data["hints"] = data["hints"] or []
        data.update({"message": self.text(), "seconds": round(self.seconds, 3),
                     "import_seconds": None if self.import_seconds is None else round(self.import_seconds, 3),
                     "output": self.output, "output_lines": self.output_lines, "skipped": list(self.skipped),
                     "format": result.get("format", 1)})
        return data

    @classmethod
    def from_dict(cls, data):
        """The outcome :meth:`to_dict` wrote (its ``seconds`` rounded to the millisecond)."""
        try:
            result = None
            if data["error"] is None:
                fields = {key: data[key] for key in RESULT_FIELDS}
                result = CheckResult.from_dict({**fields, "optimizer": data["class"], "format": data["format"],
                                                "passed": data["passed"]})
            elif data["error"] not in ERRORS:
                raise ValueError(f"unknown error kind {data['error']!r}")
            return cls(file=str(data["file"]), name=_text(data["class"]), setting=str(data["setting"]),
                       seconds=float(data["seconds"]), output=str(data["output"]),
                       output_lines=int(data["output_lines"]), error=data["error"],
                       message=str(data["message"]), result=result,
                       class_name=_text(data["class"]) if result is not None else None,
                       import_seconds=None if data["import_seconds"] is None else float(data["import_seconds"]),
                       skipped=tuple(str(s) for s in data["skipped"]))
        except (AttributeError, KeyError, TypeError, ValueError) as error:
            raise UserError(f"not a check outcome ({type(error).__name__}: {error})") from None


def _text(value):
    if value is not None and not isinstance(value, str):
        raise UserError(f"expected text, got {type(value).__name__}")
    return value

"""The exceptions the command line turns into one-line messages."""


class UserError(ValueError):
    """Bad input from the user: a file, an option or a value.

    The CLI prints ``str(error)`` on one line and exits with status 2; the
    library raises it so that callers get the same clear message.
    """


class ArgumentError(UserError):
    """A bad value for a named argument of the Python API: ``epochs must be 0 or more (got -1)``.

    ``argument`` is the Python name (``epochs``, ``grid_resolution``); the command
    line shows its own flag instead (``--epochs``, ``--grid``) through
    :meth:`worded`, so the library never speaks of flags.
    """

    def __init__(self, argument, problem):
        super().__init__(f"{argument} {problem}")
        self.argument = argument
        self.problem = problem

    def worded(self, names):
        """The message with the argument spelled as ``names`` maps it (unmapped names stay as they are)."""
        return f"{names.get(self.argument, self.argument)} {self.problem}"

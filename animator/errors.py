"""The one exception type the command line turns into a one-line message."""


class UserError(ValueError):
    """Bad input from the user: a file, an option or a value.

    The CLI prints ``str(error)`` on one line and exits with status 2; the
    library raises it so that callers get the same clear message.
    """

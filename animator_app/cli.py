"""The ``animator`` command: parse, run the chosen command, and the one place errors become messages and exit statuses.

The commands and their options are declared in :mod:`.commands`, one module
each.  Every failure the user can cause ends in one line on stderr and exit
status 2 (``--debug`` shows the traceback instead).  Ctrl-C ends with status
130, SIGTERM with 143 and SIGHUP with 129, after saving what was finished.
"""

import os
import sys

from animator.errors import ArgumentError, UserError
from animator.lifecycle import exit_status, terminate_as_interrupt
from animator.untrusted import shown

from .commands import NAMES, build_parser, flags, parse
from .commands.shared import note

EXIT_USAGE = 2
EXIT_PIPE = 128 + 13      # as a process killed by SIGPIPE: what `set -o pipefail` expects of `cmd | head`


def main(argv=None):
    argv = sys.argv[1:] if argv is None else list(argv)
    debug = "--debug" in argv          # known before parsing, so a parse error shows its traceback too
    # a command named first: its module alone; anything else (--help, --version, a misspelling): the index alone
    parser = build_parser(argv[0]) if argv and argv[0] in NAMES else build_parser(index=True)
    command = None
    try:
        with terminate_as_interrupt():
            command, options = parse(argv, parser)
            if command is None:
                parser.print_help()
                return EXIT_USAGE
            return command.run(options)
    except BrokenPipeError:
        # the reader went away (``animator info x.gif | head -1``): end quietly, as Unix tools do
        _quiet_stdout()
        return EXIT_PIPE
    except UserError as error:
        if debug:
            raise
        names = flags(command.name if command else None)
        message = error.worded(names) if isinstance(error, ArgumentError) else str(error)
        note(f"animator: error: {shown(message)}")     # a message may quote a file's text
        return EXIT_USAGE
    except KeyboardInterrupt as interrupt:
        if debug:
            raise
        note("animator: interrupted")
        return exit_status(interrupt)
    except MemoryError:
        if debug:
            raise
        note("animator: error: out of memory; try fewer epochs, frames, a smaller --grid or --size")
        return EXIT_USAGE
    except OSError as error:
        if debug:
            raise
        # a move names its source first, and ours are temporaries (a private folder, a .part file): the
        # destination, when there is one, is the path the user gave
        named = getattr(error, "filename2", None) or getattr(error, "filename", None)
        where = f"{named}: " if named else ""
        note(f"animator: error: {shown(where)}{shown(error.strerror or error)}")
        return EXIT_USAGE
    except Exception as error:  # a bug: still one line, with the way to see more
        if debug:
            raise
        note(f"animator: internal error: {type(error).__name__}: {shown(error)} (run with --debug for details)")
        return 1


def _quiet_stdout():
    """Point stdout at /dev/null so the interpreter's final flush cannot fail on the closed pipe again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):
        pass


if __name__ == "__main__":
    sys.exit(main())

"""Which processes live, read from /proc (Linux): for the tests that stop workers and check none is left."""

import os


def _state_and_parent(pid):
    """``(state, parent pid)`` of process ``pid`` from /proc, or None once it is gone."""
    try:
        with open(f"/proc/{pid}/stat", "rb") as handle:
            stat = handle.read()
    except OSError:
        return None
    fields = stat[stat.rindex(b")") + 2:].split()      # after the name, which may hold spaces and brackets
    return fields[0], int(fields[1])


def alive(pid):
    """True while ``pid`` runs (a zombie, dead but not yet reaped, is not alive)."""
    found = _state_and_parent(pid)
    return found is not None and found[0] != b"Z"


def live_children(pid):
    """The pids of ``pid``'s children that are alive, but for multiprocessing's resource tracker.

    The tracker is the one child that is meant to outlive its work: the first pool started with
    ``spawn`` starts it, and it stays for the rest of the session, whichever test came first.
    """
    children = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            found = _state_and_parent(entry)
            if found is not None and found[1] == pid and found[0] != b"Z" and not _resource_tracker(entry):
                children.append(int(entry))
    return children


def _command_line(pid):
    """Process ``pid``'s command line, read whole (as ps would cut it to its width), or None once it is gone."""
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as handle:
            return handle.read().replace(b"\0", b" ").decode("utf-8", "replace")
    except OSError:
        return None


def _resource_tracker(pid):
    return "multiprocessing.resource_tracker" in (_command_line(pid) or "")


def running_with(text):
    """The pids of live processes whose command line holds ``text``."""
    found = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit() or int(entry) == os.getpid():
            continue
        command = _command_line(entry)
        if command is not None and text in command and alive(entry):
            found.append(int(entry))
    return found

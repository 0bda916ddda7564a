"""What the snapshot fixtures did in a session, kept in pytest's stash and summed up at the end."""

import pytest

from .options import updating

UPDATE_HINT = "run pytest --snapshot-update"
_REPORT = pytest.StashKey[dict]()


def new_report(config):
    """The session's report (created on first use): snapshot paths by what happened to them."""
    return config.stash.setdefault(_REPORT, {"written": [], "updated": [], "unchanged": [], "missing": [], "failed": []})


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    report = config.stash.get(_REPORT, None)
    if not report or not (report["written"] or report["updated"] or report["missing"] or report["failed"]
                          or (updating(config) and report["unchanged"])):
        return
    terminalreporter.write_sep("-", "animator snapshots")
    for verb in ("written", "updated"):
        for path in report[verb]:
            terminalreporter.write_line(f"{verb} {path}")
    counts = ", ".join(f"{len(report[key])} {key}" for key in ("written", "updated", "unchanged", "missing", "failed")
                       if report[key])
    terminalreporter.write_line(counts)
    if report.get("results"):
        terminalreporter.write_line(f"what the failing tests made (actual, expected, diff) is in {report['results']}")
    if report["missing"] or report["failed"]:
        terminalreporter.write_line(f"{UPDATE_HINT} to accept the new runs and frames")

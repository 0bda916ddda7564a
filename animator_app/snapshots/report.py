"""The session's summary of what the snapshot fixtures did (under pytest-xdist, the workers' sum)."""

from .options import updating, warn_unused
from .session import tally

UPDATE_HINT = "run pytest --snapshot-update"
_LISTED = ("written", "updated", "moved", "deleted", "stale")   # the files named one by one


def new_report(config):
    """The session's report: snapshot paths by what happened to them (see :data:`.session.KINDS`)."""
    return tally(config).report


def pytest_terminal_summary(terminalreporter, exitstatus, config):
    record = tally(config)
    report = record.report
    if not (any(report[key] for key in report if key != "unchanged") or (updating(config) and report["unchanged"])):
        return
    shown = terminalreporter.write_line
    terminalreporter.write_sep("-", "animator snapshots")
    for verb in _LISTED:
        for path in report[verb]:
            shown(f"{verb} {_relative(config, path)}")
    shown(", ".join(f"{len(paths)} {key}" for key, paths in report.items() if paths))
    if record.results and report["failed"]:
        shown(f"what the failing tests made (actual, expected, diff) is in {record.results}")
    if report["missing"] or report["failed"]:
        shown(f"{UPDATE_HINT} to accept the new runs and frames")
    if report["stale"]:
        shown(f"no test uses the stale snapshots; {UPDATE_HINT} to delete them"
              + ("" if warn_unused(config) else " (or --snapshot-warn-unused not to fail on them)"))


def _relative(config, path):
    try:
        from pathlib import Path
        return str(Path(path).relative_to(config.rootpath))
    except ValueError:
        return str(path)

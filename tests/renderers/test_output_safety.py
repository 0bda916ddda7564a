"""Output never destroys what is not ours: frames folders, bad targets, full disks (issue 12)."""

import os
import shutil
import subprocess
import sys

import pytest

from animator import RunConfig, train
from animator.errors import UserError
from renderers import write_animation
from renderers.writers.frames_folder import MARKER, PART_PREFIX
from frame_sources import Stripes

SMALL = (640, 360)



def snapshot(folder):
    """Every path under ``folder`` with its mode and contents."""
    found = {}
    for root, dirs, files in os.walk(folder):
        for name in dirs + files:
            path = os.path.join(root, name)
            data = open(path, "rb").read() if os.path.isfile(path) else None
            found[os.path.relpath(path, folder)] = (os.stat(path).st_mode, data)
    found["."] = (os.stat(folder).st_mode, None)
    return found


def frames_in(folder):
    return sorted(n for n in os.listdir(folder) if n != MARKER)


def umasked(mode):
    mask = os.umask(0)
    os.umask(mask)
    return mode & ~mask


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    recording = train(RunConfig(epochs=60, frames=10, grid_resolution=40, hyperparameters={"decay": 1e-3}))
    return recording.save(tmp_path_factory.mktemp("rec") / "run.npz")


@pytest.fixture
def users_folder(tmp_path):
    folder = tmp_path / "holiday"
    (folder / "sub").mkdir(parents=True)
    (folder / "photo.jpg").write_bytes(b"precious")
    (folder / "sub" / "notes.txt").write_text("also precious")
    os.chmod(folder, 0o751)
    return folder


# -- frames folders ---------------------------------------------------------------------------

@pytest.mark.parametrize("slash", ["/", ""])
def test_a_folder_of_the_users_files_survives(cli, saved, users_folder, slash):
    before = snapshot(users_folder.parent)
    result = cli("render", saved, "-o", f"{users_folder}{slash}", "--size", "640x360")
    assert result.code == 2 and result.err.count("\n") == 1, result
    assert "not frames from an earlier run" in result.err and "Traceback" not in result.err
    assert snapshot(users_folder.parent) == before


def test_a_folder_of_the_users_files_survives_the_library_too(users_folder):
    before = snapshot(users_folder.parent)
    with pytest.raises(UserError):
        write_animation(Stripes(step=1, bar=2), f"{users_folder}/")
    assert snapshot(users_folder.parent) == before


def test_frames_and_one_stranger_is_still_refused(tmp_path):
    write_animation(Stripes(4, step=1, bar=2), f"{tmp_path}/out/")
    (tmp_path / "out" / "frame_00009.png").write_bytes(b"mine, not in the marker")
    before = snapshot(tmp_path)
    with pytest.raises(UserError, match="not frames from an earlier run"):
        write_animation(Stripes(4, step=1, bar=2), f"{tmp_path}/out/")
    assert snapshot(tmp_path) == before


def test_a_new_folder_gets_normal_permissions_and_a_marker(tmp_path):
    write_animation(Stripes(12, step=1, bar=2), f"{tmp_path}/new/")
    assert os.stat(tmp_path / "new").st_mode & 0o777 == umasked(0o777)
    assert frames_in(tmp_path / "new") == [f"frame_{i:05d}.png" for i in range(12)]
    assert (tmp_path / "new" / MARKER).read_text().splitlines()[1:] == frames_in(tmp_path / "new")
    assert os.listdir(tmp_path) == ["new"]


def test_an_earlier_frames_output_is_replaced_and_its_extra_frames_go(tmp_path):
    write_animation(Stripes(12, step=1, bar=2), f"{tmp_path}/out/")
    os.chmod(tmp_path / "out", 0o750)               # the folder's own permissions are kept
    write_animation(Stripes(5, step=1, bar=2), f"{tmp_path}/out")
    assert frames_in(tmp_path / "out") == [f"frame_{i:05d}.png" for i in range(5)]
    assert os.stat(tmp_path / "out").st_mode & 0o777 == 0o750
    assert os.listdir(tmp_path) == ["out"]


def test_an_empty_folder_is_used_in_place(tmp_path):
    (tmp_path / "empty").mkdir(mode=0o700)
    write_animation(Stripes(3, step=1, bar=2), f"{tmp_path}/empty")
    assert frames_in(tmp_path / "empty") == [f"frame_{i:05d}.png" for i in range(3)]


def test_what_an_interrupted_run_left_is_recognised_and_cleaned(tmp_path):
    (tmp_path / "out" / f"{PART_PREFIX}abc123.part").mkdir(parents=True)
    (tmp_path / "out" / f"{PART_PREFIX}abc123.part" / "frame_00000.png").write_bytes(b"half")
    write_animation(Stripes(3, step=1, bar=2), f"{tmp_path}/out/")
    assert sorted(os.listdir(tmp_path / "out")) == [MARKER] + [f"frame_{i:05d}.png" for i in range(3)]


@pytest.mark.parametrize("existing", [False, True])
def test_an_interrupted_frames_render_leaves_nothing_behind(tmp_path, existing):
    if existing:
        write_animation(Stripes(12, step=1, bar=2), f"{tmp_path}/out/")
    before = snapshot(tmp_path)

    def interrupt(done, total):
        if done == 5:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_animation(Stripes(12, step=1, bar=2), f"{tmp_path}/out/", progress=interrupt, workers=2)
    assert snapshot(tmp_path) == before


def test_dot_works_in_an_empty_folder_and_is_refused_elsewhere(cli, saved, tmp_path, monkeypatch):
    (tmp_path / "here").mkdir()
    monkeypatch.chdir(tmp_path / "here")
    result = cli("render", saved, "-o", ".", "--size", "640x360", "-q")
    assert result.code == 0, result
    assert len([n for n in frames_in(".") if n.startswith("frame_")]) == 10 and os.listdir(tmp_path) == ["here"]
    result = cli("render", saved, "-o", ".", "--size", "640x360", "-q")     # our own output: replaced
    assert result.code == 0, result
    (tmp_path / "here" / "mine.txt").write_text("mine")
    before = snapshot(tmp_path)
    result = cli("render", saved, "-o", ".", "--size", "640x360")
    assert result.code == 2 and "not frames from an earlier run" in result.err
    assert snapshot(tmp_path) == before


def test_a_file_where_the_folder_should_be(cli, saved, tmp_path):
    (tmp_path / "out").write_text("a file")
    result = cli("render", saved, "-o", f"{tmp_path}/out/")
    assert result.code == 2 and "exists and is not a directory" in result.err
    assert (tmp_path / "out").read_text() == "a file"


# -- other bad targets ------------------------------------------------------------------------

def test_a_recording_is_not_a_render_target(cli, saved, tmp_path):
    result = cli("render", saved, "-o", tmp_path / "other.npz")
    assert result.code == 2 and result.err.count("\n") == 1, result
    assert "other.npz" in result.err and "Recording" in result.err and "wrote" not in result.err
    assert os.listdir(tmp_path) == []


def test_an_html_page_with_a_non_ascii_name_from_the_command_line(cli, saved, tmp_path):
    out = tmp_path / "Spirale — Übersicht.html"
    result = cli("render", saved, "-o", out, "--size", "640x360", "-q")
    assert result.code == 0, result
    page = out.read_text(encoding="utf-8")
    assert '<meta charset="utf-8">' in page
    # the title is the run's caption, never the file's name: the bytes do not depend on what it is called
    assert "<title>SGD" in page and "Übersicht" not in page


def test_an_absurd_hold_is_refused_before_any_work(cli, saved, tmp_path):
    result = cli("render", saved, "-o", tmp_path / "x.mp4", "--hold", "100000")
    assert result.code == 2 and "--hold must be at most 60 seconds" in result.err
    assert os.listdir(tmp_path) == []


# -- a full disk --------------------------------------------------------------------------------

@pytest.fixture
def full_disk(tmp_path):
    """A 1 MB tmpfs with about 16 kB left; needs root (mount)."""
    if os.geteuid() != 0 or not shutil.which("mount"):
        pytest.skip("mounting a small tmpfs needs root")
    point = tmp_path / "small"
    point.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(point)], capture_output=True)
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {mounted.stderr.decode(errors='replace').strip()}")
    try:
        with open(point / "filler", "wb") as handle:
            handle.write(b"\0" * (1024 * 1024 - 16 * 1024))
        yield point
    finally:
        subprocess.run(["umount", str(point)], check=False)


@pytest.mark.parametrize("name", ["x.mp4", "x.gif", "x.html", "frames/"])
def test_a_full_disk_is_one_line_and_leaves_no_file(saved, full_disk, name):
    """In a separate process, so that whatever ffmpeg itself prints would show in stderr too."""
    result = subprocess.run([sys.executable, "-m", "animator_app", "render", str(saved), "-o", f"{full_disk}/{name}",
                             "--size", "640x360", "-q"], capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result
    # a player or frames folder is estimated before work, so it is refused with its estimate instead
    said = "free on its disk" if name in ("x.html", "frames/") else "No space left on device"
    assert result.stderr.count("\n") == 1 and said in result.stderr, result.stderr
    assert "FFMPEG" not in result.stderr and "Traceback" not in result.stderr
    assert os.listdir(full_disk) == ["filler"]

"""Files are data, never authority (issue 16): what ``info`` and ``reproduce`` read from a file they were handed.

Each test is one of the crafted inputs a hostile user tried: escape codes in a
caption, a stored command that reads ``/dev/zero`` or a private CSV, nested
JSON, wrong types, a zTXt bomb, a 2 GB sparse file, a FIFO, a user's poster.
"""

import os
import struct
import subprocess
import sys
import zlib

import numpy as np
import pytest
from PIL import Image

from animator.untrusted import load_json, shown, Untrusted
from renderers.writers import encode_metadata, read_metadata
from renderers.writers.metadata import gif_comment, png_chunk, with_png_text

from memory import peak_bytes

SMALL = ["--epochs", "40", "--frames", "3", "--size", "480x270", "--grid", "40"]
HOSTILE = "\x1b[2J\x1b]0;owned\x07\x1b]52;c;ZXZpbA==\x07\r\u202eevil"


def _plain_png(path):
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(path)


def _described_png(tmp_path, description, name="described.png", text=None):
    _plain_png(tmp_path / "plain.png")
    data = with_png_text((tmp_path / "plain.png").read_bytes(), text if text is not None
                         else encode_metadata(description))
    (tmp_path / name).write_bytes(data)
    return str(tmp_path / name)


def _description(**changes):
    return {"animator": "0.1.0", "caption": "x", "kind": "training", "spec": {},
            "command": ["animator", "train", *SMALL, "-o", "OUTPUT.png"], **changes}


def _one_line(result):
    return result.code == 2 and len(result.err.strip().splitlines()) == 1 and "Traceback" not in result.err


# -- the terminal is not fooled ---------------------------------------------------------------------

def test_info_prints_escape_codes_escaped(cli, tmp_path):
    path = _described_png(tmp_path, _description(
        caption=HOSTILE, spec={"note": HOSTILE},
        command=["animator", "train", "--epochs", "200", "-o", "run.gif", "\r" + " " * 40 + HOSTILE]))
    for args in (["info", path], ["info", "--json", path]):
        result = cli(*args)
        assert result.code == 0
        for raw in ("\x1b", "\x07", "\r", "\u202e"):
            assert raw not in result.out, (args, raw)
    plain = cli("info", path).out
    assert "\\x1b]0;owned\\x07" in plain and "\\u202eevil" in plain and "\\x0d" in plain
    import json

    assert json.loads(cli("info", "--json", path).out)["caption"] == HOSTILE   # still the same value


def test_error_lines_quote_a_file_escaped(cli, tmp_path):
    path = _described_png(tmp_path, _description(command=["animator", "sl\x1b[2Jides"]))
    result = cli("reproduce", path, "-o", str(tmp_path / "b.png"))
    assert _one_line(result) and "\x1b" not in result.err and "\\x1b" in result.err


def test_shown_keeps_every_script_and_escapes_only_what_a_terminal_obeys():
    assert shown("Adam · lr=0.05 · ünïcödé 中文 ✓") == "Adam · lr=0.05 · ünïcödé 中文 ✓"
    assert shown("a\u200bb\u2066c\x85d\x7f") == "a\\u200bb\\u2066c\\x85d\\x7f"


# -- descriptions of the wrong shape ----------------------------------------------------------------

@pytest.mark.parametrize("command", [7, {"a": 1}, [["animator"], "train"], ["animator", 3], "animator train"])
def test_a_stored_command_that_is_not_a_list_of_strings_is_one_line(cli, tmp_path, command):
    path = _described_png(tmp_path, _description(command=command))
    for args in (["info", path], ["reproduce", path, "-o", str(tmp_path / "b.png")]):
        result = cli(*args)
        assert _one_line(result), (args, result)
        assert "not a list of strings" in result.err


def test_deeply_nested_json_is_one_line(cli, tmp_path):
    text = '{"animator":"0.1.0","kind":"training","spec":' + "[" * 100000 + "]" * 100000 + "}"
    path = _described_png(tmp_path, None, text=text)
    for args in (["info", path], ["reproduce", path, "-o", str(tmp_path / "b.png")]):
        result = cli(*args)
        assert _one_line(result) and "nested more than" in result.err, result
    with pytest.raises(Untrusted):
        load_json("[" * 40 + "]" * 40, what="x")


def test_a_stored_help_is_not_run(cli, tmp_path):
    path = _described_png(tmp_path, _description(command=["animator", "train", "--help"]))
    result = cli("reproduce", path, "-o", str(tmp_path / "b.png"))
    assert _one_line(result) and "--help" in result.err and result.out == ""
    assert not (tmp_path / "b.png").exists()


# -- reproduce reads only what the user names -------------------------------------------------------

@pytest.mark.parametrize("stored", ["/dev/zero", "~/secret.csv", "/etc/passwd"])
def test_reproduce_never_reads_a_path_the_file_names(cli, tmp_path, stored):
    path = _described_png(tmp_path, _description(command=["animator", "train", *SMALL, "--data", stored,
                                                          "-o", "OUTPUT.png"]))
    result = cli("reproduce", path, "-o", str(tmp_path / "b.png"))
    assert _one_line(result) and "give it with --data PATH" in result.err
    assert os.path.basename(stored) in result.err and not (tmp_path / "b.png").exists()


def test_reproduce_refuses_a_fifo_or_a_device_as_data(cli, tmp_path):
    path = _described_png(tmp_path, _description(command=["animator", "train", *SMALL, "--data", "d.csv",
                                                          "-o", "OUTPUT.png"],
                                                 inputs={"data": {"name": "d.csv", "sha256": "0" * 64}}))
    os.mkfifo(tmp_path / "fifo.csv")
    for given, what in ((tmp_path / "fifo.csv", "named pipe"), ("/dev/zero", "device")):
        result = cli("reproduce", path, "-o", str(tmp_path / "b.png"), "--data", given)
        assert _one_line(result) and what in result.err, result


def _spiral_csv(path, seed=0):
    rng = np.random.default_rng(seed)
    rows = [f"{x:.4f},{y:.4f},{label}" for label in range(3) for x, y in rng.normal(label, 0.5, (30, 2))]
    path.write_text("x,y,label\n" + "\n".join(rows) + "\n")


def test_a_csv_run_is_reproduced_only_from_the_same_data(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    os.makedirs("private")
    _spiral_csv(tmp_path / "private" / "grades.csv")
    assert cli("train", *SMALL, "--data", str(tmp_path / "private" / "grades.csv"), "-q", "-o", "run.gif").code == 0
    data = (tmp_path / "run.gif").read_bytes()
    assert str(tmp_path).encode() not in data and b"private" not in data     # base name only
    assert b"grades.csv" in data
    assert _one_line(cli("reproduce", "run.gif", "-o", "again.gif"))          # the CSV is not read unasked
    _spiral_csv(tmp_path / "other.csv", seed=1)
    result = cli("reproduce", "run.gif", "-o", "again.gif", "--data", "other.csv")
    assert _one_line(result) and "content hash differs" in result.err
    os.rename("private/grades.csv", "renamed.csv")
    result = cli("reproduce", "run.gif", "-o", "again.gif", "--data", "renamed.csv")
    assert result.code == 0, result
    assert "reproducing again.gif with: animator train" in result.err        # said before it starts
    assert (tmp_path / "again.gif").read_bytes() == data


def test_a_render_is_reproduced_from_the_recording_given(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    os.makedirs("deep/folder")
    assert cli("train", *SMALL, "-q", "-o", "deep/folder/run.npz").code == 0
    assert cli("render", str(tmp_path / "deep/folder/run.npz"), "--size", "480x270", "-q", "-o", "a.gif").code == 0
    assert cli("render", "deep/folder/run.npz", "--size", "480x270", "-q", "-o", "b.gif").code == 0
    assert (tmp_path / "a.gif").read_bytes() == (tmp_path / "b.gif").read_bytes()   # whatever the names
    assert b"deep/folder" not in (tmp_path / "a.gif").read_bytes()
    result = cli("reproduce", "a.gif", "-o", "c.gif")
    assert _one_line(result) and "--recording" in result.err
    assert cli("reproduce", "a.gif", "-o", "c.gif", "-q", "--recording", "deep/folder/run.npz").code == 0
    assert (tmp_path / "c.gif").read_bytes() == (tmp_path / "a.gif").read_bytes()


def test_the_same_run_gives_the_same_bytes_whatever_the_output_is_called(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for name in ("a.html", "sub/b.html"):
        os.makedirs(os.path.dirname(name) or ".", exist_ok=True)
        assert cli("train", *SMALL, "-q", "-o", str(tmp_path / name)).code == 0
    assert (tmp_path / "a.html").read_bytes() == (tmp_path / "sub/b.html").read_bytes()
    assert str(tmp_path).encode() not in (tmp_path / "a.html").read_bytes()


# -- nothing is replaced but the target -------------------------------------------------------------

def test_a_users_poster_survives(cli, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    _plain_png(tmp_path / "new.poster.png")
    mine = (tmp_path / "new.poster.png").read_bytes()
    result = cli("train", *SMALL, "--poster", "last", "-o", "new.gif")
    assert _one_line(result) and "not a poster animator wrote" in result.err
    assert not (tmp_path / "new.gif").exists()
    assert cli("train", *SMALL, "-q", "--poster", "last", "-o", "run.gif").code == 0
    result = cli("reproduce", "run.gif", "-o", "new.gif")
    assert _one_line(result) and "new.poster.png" in result.err and not (tmp_path / "new.gif").exists()
    assert (tmp_path / "new.poster.png").read_bytes() == mine
    os.remove("new.poster.png")                           # a poster animator wrote may be replaced
    assert cli("reproduce", "run.gif", "-o", "new.gif", "-q").code == 0
    assert cli("reproduce", "run.gif", "-o", "new.gif", "-q").code == 0
    assert (tmp_path / "new.poster.png").read_bytes() == (tmp_path / "run.poster.png").read_bytes()


# -- bounded reading --------------------------------------------------------------------------------

def _zlib_bomb(head, blocks):
    """``zlib.compress(head + b" " * (blocks * 16 MiB), 9)`` to within 0.1%, made in a fraction of the time.

    After a full flush a deflate stream starts afresh, so every 16 MiB of
    spaces compresses to the same bytes: one is compressed and repeated; the
    trailer checks the whole text.
    """
    compressor, block = zlib.compressobj(9), b" " * (16 << 20)
    start = compressor.compress(head) + compressor.flush(zlib.Z_FULL_FLUSH)
    repeated = compressor.compress(block) + compressor.flush(zlib.Z_FULL_FLUSH)
    check = zlib.adler32(head)
    for _ in range(blocks):
        check = zlib.adler32(block, check)
    return start + repeated * blocks + compressor.flush()[:-4] + struct.pack(">I", check)


def test_the_bomb_is_the_text_it_claims_to_be():
    assert zlib.decompress(_zlib_bomb(b"{", 2)) == b"{" + b" " * (32 << 20)


def test_a_ztxt_bomb_is_refused_in_bounded_memory(cli, tmp_path):
    bomb = _zlib_bomb(b"{", 64)                                # about 1 MB that inflates to 1 GiB
    assert len(bomb) < 1 << 20                                 # under the chunk limit: it is the inflating that is refused
    _plain_png(tmp_path / "plain.png")
    data = (tmp_path / "plain.png").read_bytes()
    path = tmp_path / "bomb.png"
    path.write_bytes(data[:33] + png_chunk(b"zTXt", b"animator\x00\x00" + bomb) + data[33:])

    def read():
        with pytest.raises(Untrusted, match="inflates to more than"):
            read_metadata(path)

    assert peak_bytes(read) < 16 << 20
    assert _one_line(cli("info", path))


def test_a_sparse_2gb_file_is_read_only_at_its_head(tmp_path):
    gif = tmp_path / "huge.gif"
    header = b"GIF89a" + struct.pack("<HH", 8, 8) + b"\x00\x00\x00"
    gif.write_bytes(header + gif_comment(encode_metadata(_description())) + b"\x2c" + bytes(9) + b"\x02\x00")
    png = tmp_path / "huge.png"
    _plain_png(png)
    png.write_bytes(with_png_text(png.read_bytes(), encode_metadata(_description())))
    for path in (gif, png):
        with open(path, "r+b") as handle:
            handle.truncate(2 << 30)                           # sparse: no disk used
        peak = peak_bytes(lambda: read_metadata(path))
        assert read_metadata(path)["kind"] == "training" and peak < 8 << 20, (path, peak)


@pytest.mark.parametrize("target, what", [("/dev/zero", "device"), ("/dev/urandom", "device"), (None, "named pipe")])
@pytest.mark.parametrize("name", ["x.gif", "x.png", "x.mp4", "x.html", "x.npz"])
def test_a_link_to_a_device_or_a_fifo_is_refused_at_once(cli, tmp_path, target, what, name):
    path = tmp_path / name
    if target is None:
        os.mkfifo(path)
    else:
        os.symlink(target, path)
    result = cli("info", path)
    assert _one_line(result) and what in result.err, result


def test_a_closed_pipe_ends_quietly(tmp_path):
    path = _described_png(tmp_path, _description(spec={f"key{i}": i for i in range(20000)}))
    completed = subprocess.run(f"{sys.executable} -m animator_app.cli info {path} | head -1", shell=True,
                               capture_output=True, text=True, executable="/bin/bash")
    assert completed.stdout.startswith("file:") and completed.stderr == "", completed.stderr
    status = subprocess.run(["/bin/bash", "-o", "pipefail", "-c",
                             f"{sys.executable} -m animator_app.cli info {path} | head -1 >/dev/null"]).returncode
    assert status == 141


# -- snapshots are shared in repositories too -------------------------------------------------------

def test_a_snapshot_bomb_fifo_or_nested_info_is_one_line(tmp_path, monkeypatch):
    import zipfile

    from animator.testing import snapshot

    bomb = tmp_path / "bomb.npz"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("X.npy", b"\0" * (2 << 20))
    monkeypatch.setattr(snapshot, "MAX_SNAPSHOT_BYTES", 1 << 20)
    with pytest.raises(snapshot.SnapshotError, match="would inflate to"):
        snapshot.RecordingSnapshot.load(str(bomb))
    os.mkfifo(tmp_path / "fifo.npz")
    with pytest.raises(snapshot.SnapshotError, match="not a regular file"):
        snapshot.RecordingSnapshot.load(str(tmp_path / "fifo.npz"))
    nested = tmp_path / "nested.npz"
    np.savez(nested, snapshot=np.array("[" * 5000 + "]" * 5000), X=np.zeros(2))
    with pytest.raises(snapshot.SnapshotError, match="not an animator recording snapshot"):
        snapshot.RecordingSnapshot.load(str(nested))

"""The commands issue 7 named keep their bytes: these hashes were taken on the commit before the redesign.

Each command is run reduced (fewer epochs, frames and pixels) so the test is quick;
the full-size commands were compared by hand (see the closing note of that change).
A file's bytes depend on matplotlib's and FreeType's glyphs, Pillow's LZW and
ffmpeg's x264, so the hashes hold for the versions they were taken with; with
other versions the test says so and skips instead of failing on a font.

Since every file carries its description (renderers.writers.metadata), the
hashes were taken again once, deliberately: the new files are the old bytes
plus the description (a GIF comment block, a PNG tEXt chunk; an MP4's video
data unchanged, its moov holding the comment).  The description holds the
command line, so each command runs in its own folder with a relative -o, as a
user would type it.  To retake them after a deliberate change, run each
command that way (``cd DIR && animator ARGS -q -o NAME``) and paste the
sha256 of the file, saying why in the commit.
"""

import hashlib

import pytest

from renderers.writers import read_metadata

PINNED = {"numpy": "2.4.6", "matplotlib": "3.11.2", "PIL": "13.0.0", "imageio_ffmpeg": "0.8.1"}

COMMANDS = {
    "train.gif": ("838ee561b011060ab2e18309c913e5b159fc8e2a74699edcb0dd1b24e18959e6",
                  ["train", "--epochs", "300", "--frames", "20", "--size", "480x270"]),
    "adam.mp4": ("b99878b0f46afb679edbc8139d9a1f26252b9792ac9f5d71fb3038856df8020f",
                 ["train", "--optimizer", "adam", "--lr", "0.05", "--epochs", "300", "--frames", "20",
                  "--size", "480x270"]),
    "rms.png": ("0a33873c338d10e9f9659210154f07264fd120e710eb554fc72029f36386554d",
                ["train", "--optimizer", "rmsprop", "--epochs", "300", "--frames", "20", "--frame", "last"]),
    "cmp.gif": ("f3031fa169b27423f33cee9a63c394f2c253ee7a1dc6eb261f7060041ac21c11",
                ["compare", "sgd:lr=1,decay=1e-3,momentum=0.9", "adam:lr=0.05", "--epochs", "300", "--frames",
                 "20", "--size", "640x360"]),
    "ball.gif": ("52cf871c75bca02b1beba72d4e86ac3679c3b1dea0fa6d07120385bdff26ec9e",
                 ["descent", "--preset", "momentum-fast", "--size", "480x270"]),
    "saddle.gif": ("3aec92ee97de6fbef51eadc604f645b516398878d9589c98193cecdf264cb4e7",
                   ["race2d", "saddle", "--size", "640x360"]),
}


def _versions():
    import importlib

    return {name: importlib.import_module(name).__version__ for name in PINNED}


@pytest.mark.parametrize("filename", list(COMMANDS))
def test_the_same_command_gives_the_same_bytes_as_before_the_redesign(cli, tmp_path, monkeypatch, filename):
    if _versions() != PINNED:
        pytest.skip(f"hashes were taken with {PINNED}; installed {_versions()}")
    expected, args = COMMANDS[filename]
    monkeypatch.chdir(tmp_path)
    result = cli(*args, "-q", "-o", filename)
    assert result.code == 0, result
    assert read_metadata(filename)["command"] == ["animator", *args, "-q", "-o", filename]
    assert hashlib.sha256((tmp_path / filename).read_bytes()).hexdigest() == expected

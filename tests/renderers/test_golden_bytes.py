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
user would type it.  They were taken a third time when the stored command
stopped naming the output (``-o OUTPUT.gif``, issue 16: the same run gives the
same bytes whatever the file is called); every frame was compared with the
previous commit's and is the same.  The training and race hashes were taken a fourth
time when 16:9 frames in the default and book themes got the label fixes other shapes
had (issue 17: curve names clear of their tick labels, room for the last epoch label,
chart corners clear at large type); the descent and 2-D race did not change.
The race, 2-D race and descent hashes were taken a fifth time when every optimizer got
one identity in every figure (issue 20: declared colours, markers, line styles and
names where lines end; the descent's step scale light to dark); training did not change.
The 2-D race's hash was taken a sixth time when balls that would hide one another fan out
round their common place (issue 20, item 6: the Rosenbrock race showed one ball where four
runs ended; in the saddle race the runs meet near the minimum the same way), their names
in one column beside the group; the frames were looked at, and the same command gave the
same bytes twice.
To retake them after a deliberate change, run each command that way
(``cd DIR && animator ARGS -q -o NAME``) and paste the sha256 of the file,
saying why in the commit.
"""

import hashlib

import pytest

from renderers.writers import read_metadata

PINNED = {"numpy": "2.4.6", "matplotlib": "3.11.2", "PIL": "13.0.0", "imageio_ffmpeg": "0.8.1"}

COMMANDS = {
    "train.gif": ("643f4668edc2b27ca82c8d7b4c211bf88b7aff316757466bb79776fa9c0e79d3",
                  ["train", "--epochs", "300", "--frames", "20", "--size", "480x270"]),
    "adam.mp4": ("2ea9b3a785bdffe9aefac75222168b70fcb646c4c826faeb637c691ae0e1ed5d",
                 ["train", "--optimizer", "adam", "--lr", "0.05", "--epochs", "300", "--frames", "20",
                  "--size", "480x270"]),
    "rms.png": ("61ed384b693ae2484aac4677c2d6a0fc94e0a1284e97ac2a2496945068821100",
                ["train", "--optimizer", "rmsprop", "--epochs", "300", "--frames", "20", "--frame", "last"]),
    "cmp.gif": ("8db227379459670c2c82d76a701a2b3f472b5362d788c32805ce101c58174637",
                ["compare", "sgd:lr=1,decay=1e-3,momentum=0.9", "adam:lr=0.05", "--epochs", "300", "--frames",
                 "20", "--size", "640x360"]),
    "ball.gif": ("337b558666040ea9830ecd260807b1adb1b6ca3e434e76dbbac86fe685bbe518",
                 ["descent", "--preset", "momentum-fast", "--size", "480x270"]),
    "saddle.gif": ("b625dcd22b9f12aca6ae708365d5acc6cd27852e50c2111cd4401c0e31508795",
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
    assert read_metadata(filename)["command"] == ["animator", *args, "-q", "-o", "OUTPUT" + filename[-4:]]
    assert hashlib.sha256((tmp_path / filename).read_bytes()).hexdigest() == expected

"""A user's matplotlibrc never reaches our pictures: layouts draw with matplotlib's default settings."""

import os
import subprocess
import sys

import pytest

SERIF = "font.family: serif\nfont.size: 17\nlines.linewidth: 5\naxes.facecolor: yellow\nfigure.dpi: 72\n"


@pytest.mark.parametrize("command", [
    ["train", "--epochs", "30", "--frames", "3"],
    ["compare", "--preset", "chapter", "--epochs", "30", "--frames", "3"],
    ["descent", "--preset", "momentum-fast", "--steps", "40"],
    ["race2d", "rosenbrock", "--steps", "40"],
], ids=["training", "race", "descent", "race2d"])
def test_a_matplotlibrc_of_the_users_changes_no_pixel(tmp_path, command):
    (tmp_path / "rc").mkdir()
    (tmp_path / "rc" / "matplotlibrc").write_text(SERIF)
    outputs = []
    for name, rc in (("plain.png", None), ("styled.png", str(tmp_path / "rc" / "matplotlibrc"))):
        env = {key: value for key, value in os.environ.items() if key != "MATPLOTLIBRC"}
        if rc:
            env["MATPLOTLIBRC"] = rc
        done = subprocess.run([sys.executable, "-m", "animator_app", *command, "-o", str(tmp_path / name), "-q"],
                              capture_output=True, text=True, env=env, timeout=300)
        assert done.returncode == 0, done.stderr
        outputs.append((tmp_path / name).read_bytes())
    assert outputs[0] == outputs[1]

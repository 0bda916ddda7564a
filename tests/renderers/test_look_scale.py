"""Looks and scales: every look combines with every scale, the older four themes are unchanged, and the
command line joins --theme and --scale (presets set the scale, not the look)."""

import pytest

from animator_app.commands import parse
from animator_app.presets import joined_theme
from renderers.theme import LOOKS, SCALES, THEMES, look_and_scale, theme_name


def test_every_look_at_every_scale_is_a_theme():
    names = {theme_name(look, scale) for look in LOOKS for scale in SCALES}
    assert names == set(THEMES) and len(THEMES) == len(LOOKS) * len(SCALES)
    for name, theme in THEMES.items():
        look, scale = look_and_scale(name)
        assert theme.name == name and theme.type_scale == SCALES[scale].type_scale
        assert theme.dark == LOOKS[look].dark and theme.classes == LOOKS[look].classes


def test_the_older_four_themes_keep_their_names_and_values():
    assert list(THEMES)[:4] == ["default", "book", "projector", "dark"]
    projector = THEMES["projector"]
    assert (projector.ink, projector.muted, projector.region_lightness, projector.type_scale,
            projector.line_scale, projector.point_scale) == ("#000000", "#3c3c3c", 0.5, 1.4, 2.0, 1.6)
    assert THEMES["dark"].type_scale == 1.0 and THEMES["dark"].ink == "#f2f2f2"


def test_dark_has_large_type_at_projector_scale():
    dark = THEMES["dark-projector"]
    assert dark.dark and dark.type_scale == THEMES["projector"].type_scale > 1
    assert dark.background == THEMES["dark"].background


@pytest.mark.parametrize("theme, scale, joined", [
    ("default", None, "default"), ("dark", "projector", "dark-projector"), ("projector", None, "projector"),
    ("projector", "screen", "default"), ("book", "projector", "book-projector"), ("dark", "screen", "dark"),
])
def test_theme_and_scale_join(theme, scale, joined):
    assert joined_theme(theme, scale) == joined


@pytest.mark.parametrize("argv, theme", [
    (["--preset", "slides", "--theme", "dark"], "dark-projector"),
    (["--preset", "beamer"], "projector"),
    (["--preset", "slides", "--scale", "screen"], "default"),
    (["--theme", "book", "--scale", "projector"], "book-projector"),
    (["--theme", "projector"], "projector"),
    ([], "default"),
])
def test_the_command_line_gives_a_look_at_a_scale(argv, theme):
    commands = {"train": ["-o", "x.gif"], "compare": ["-o", "x.gif"], "book": ["-o", "out/"],
                "race2d": ["rosenbrock", "-o", "x.gif"]}
    for command, rest in commands.items():
        if command == "race2d" and "--preset" in argv:
            continue                      # race2d has no presets
        _, options = parse([command, *argv, *rest])
        assert options.theme == theme, (command, argv)

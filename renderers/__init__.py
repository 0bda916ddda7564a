"""Renderers: turn a Recording into frames, and frames into GIF, MP4, HTML and PNG files.

The names below are imported when first used (matplotlib loads when a layout
draws), so the command line's parser asks the writers' registry and the themes
for its choices without loading matplotlib.
"""

from animator.lazy import exports
from animator.recording import register_display

# at once, not lazily: importing the submodule ``renderers.render`` would otherwise leave the package's
# ``render`` naming the module rather than the function (the command line imports it anyway)
from .render import (Animation, check_animation_options, check_render_options, count_frames, output_kind, render,  # noqa: F401
                     write_animation)



@register_display
def _last_frame_png(recording):
    """A Recording's last frame as PNG bytes, under its summary in a notebook (the layout loads on first use)."""
    from .training import last_frame_png

    return last_frame_png(recording)


__getattr__, __dir__, _lazy = exports(__name__, {
    ".contour_race": ("ContourRace",),
    ".descent": ("DescentAnimation",),
    ".landscape": ("LandscapePlane", "landscape_animation"),
    ".race": ("RaceAnimation",),
    ".sweep": ("SweepMap",),
    ".sweep_grid": ("SweepGrid",),
    ".sweep_player": ("SweepPage", "write_player"),
    ".training": ("TrainingAnimation",),
    ".writers": ("GifWriter", "HtmlWriter", "Mp4Writer", "NullWriter", "PngSequenceWriter", "PngWriter", "Writer",
                 "gif_delays", "kinds", "register", "write_png", "writer_for"),
})
__all__ = sorted(["Animation", "check_animation_options", "check_render_options", "count_frames", "output_kind", "render",
                  "write_animation", *_lazy])

"""Renderers: turn a Recording into frames, and frames into GIF, MP4, HTML and PNG files.

The names below are imported when first used: the command line's parser asks
the writers' registry and the themes for its choices without importing
matplotlib or a layout.
"""

from animator.lazy import exports

__getattr__, __dir__, __all__ = exports(__name__, {
    ".render": ("Animation", "check_animation_options", "check_render_options", "count_frames", "output_kind",
                "render", "write_animation"),
    ".contour_race": ("ContourRace",),
    ".descent": ("DescentAnimation",),
    ".sweep": ("SweepMap",),
    ".sweep_grid": ("SweepGrid",),
    ".sweep_player": ("write_player",),
    ".training": ("TrainingAnimation",),
    ".writers": ("GifWriter", "HtmlWriter", "Mp4Writer", "NullWriter", "PngSequenceWriter", "PngWriter", "Writer",
                 "gif_delays", "kinds", "register", "write_png", "writer_for"),
})

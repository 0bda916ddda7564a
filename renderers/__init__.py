"""Renderers: turn a Recording into frames, and frames into GIF, MP4, HTML and PNG files."""

from .render import (Animation, check_animation_options, check_render_options, count_frames, output_kind, render,
                     write_animation)
from .contour_race import ContourRace
from .descent import DescentAnimation
from .sweep import SweepMap
from .sweep_grid import SweepGrid
from .sweep_player import write_player
from .training import TrainingAnimation
from .writers import (GifWriter, HtmlWriter, Mp4Writer, NullWriter, PngSequenceWriter, PngWriter, Writer, gif_delays,
                      kinds, register, write_png, writer_for)

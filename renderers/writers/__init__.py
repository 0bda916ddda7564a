"""Frame sinks, one module per format, chosen by the path's extension from a registry.

Writers know nothing of networks or recordings (they never import animator's
training code), only of pixels.  See :mod:`.registry` for what a writer
declares, and how to add a format; :mod:`.budget` for fitting a byte budget;
:mod:`.metadata` for the description every file carries.
"""

from .registry import MAX_FPS, MAX_HOLD, MIN_FPS, Writer, kinds, register, writer_for, writer_named
from .budget import Fit, format_bytes, write_within
from .metadata import add_png_metadata, encode_metadata, read_metadata
from .gif import GifWriter, check_gif_fps, gif_delay, gif_delays
from .palette import gif_palette
from .mp4 import Mp4Writer
from .png import PngWriter, check_frame_choice, check_poster_target, pick_frame, poster_path, write_png
from .frames_folder import PngSequenceWriter, animategraphics
from .html import HtmlWriter
from .webp import WebpWriter
from .null import NullWriter

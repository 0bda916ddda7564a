"""A self-contained web page: the animation as an embedded H.264 video with player controls."""

import base64
import contextlib
import html
import os
import re
import tempfile

from animator.errors import UserError
from animator.fileio import atomic_output

from .metadata import decode_metadata
from .mp4 import Mp4Writer
from .registry import register

DATA_ATTRIBUTE = re.compile(r'<html\b[^>]*\sdata-animator="([^"]*)"')


@register
class HtmlWriter(Mp4Writer):
    """One file to drop into a course page or open offline; the video plays, pauses and scrubs in any browser.

    The page is UTF-8 and its title (the file's name by default) is escaped, so
    any file name will do.  Written atomically, like every output; the video is
    encoded to a temporary file beside the page first.
    """

    KIND = "html"
    EXTENSIONS = (".html",)
    FIT = None                 # a page is its video plus a few lines: budget the .mp4 instead

    @classmethod
    def read_metadata(cls, path):
        with open(path, encoding="utf-8") as handle:
            head = handle.read(1 << 16)                      # the <html> tag comes first; the video follows
        found = DATA_ATTRIBUTE.search(head)
        return decode_metadata(html.unescape(found.group(1))) if found else None

    @classmethod
    def for_source(cls, path, source, *, fps, hold, metadata=None, **options):
        return cls(path, fps=fps, hold=hold, title=os.path.basename(os.fspath(path)), metadata=metadata)

    def __init__(self, path, *, fps, hold=0.0, title="animator", metadata=None):
        """``metadata``: text for the page's ``data-animator`` attribute and the video's comment."""
        self.path, self.title = os.fspath(path), title
        self._video_path = None
        self._video = None
        self.fps, self.hold = fps, hold
        self.metadata = metadata

    def __enter__(self):
        directory = os.path.dirname(os.path.abspath(self.path))
        try:
            fd, self._video_path = tempfile.mkstemp(prefix=f".{os.path.basename(self.path)}.", suffix=".mp4",
                                                    dir=directory)
        except OSError as error:
            raise UserError(f"{self.path}: cannot write here ({error.strerror or error})") from None
        os.close(fd)
        self._video = Mp4Writer(self._video_path, fps=self.fps, hold=self.hold, metadata=self.metadata)
        try:
            self._video.__enter__()
        except BaseException:
            os.unlink(self._video_path)
            raise
        return self

    def write(self, frame):
        self._video.write(frame)

    def __exit__(self, exc_type, exc, tb):
        try:
            if exc_type is not None:
                return self._video.__exit__(exc_type, exc, tb)
            self._video.__exit__(None, None, None)
            with open(self._video_path, "rb") as handle:
                data = base64.b64encode(handle.read()).decode("ascii")
            width, height = self._video.size
            described = f' data-animator="{html.escape(self.metadata)}"' if self.metadata is not None else ""
            page = (f'<!doctype html>\n<html lang="en"{described}><head><meta charset="utf-8"><title>{html.escape(self.title)}'
                    f'</title></head>\n<body style="margin:0;background:#fff">\n'
                    f'<video controls autoplay loop muted playsinline width="{width}" height="{height}" '
                    f'style="max-width:100%;height:auto" src="data:video/mp4;base64,{data}"></video>\n'
                    f"</body></html>\n")
            with atomic_output(self.path) as temporary:
                with open(temporary, "w", encoding="utf-8") as handle:
                    handle.write(page)
            return False
        finally:
            with contextlib.suppress(OSError):
                os.unlink(self._video_path)

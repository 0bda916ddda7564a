"""A writer that writes nothing: it counts frames and remembers their shape, for tests and dry runs."""

from .registry import Writer, register


@register
class NullWriter(Writer):
    """Counts frames and remembers their shape; writes nothing.  Chosen by kind (``"null"``), never by a path."""

    KIND = "null"

    @classmethod
    def check_target(cls, path):
        pass

    @classmethod
    def for_source(cls, path, source, *, fps, hold, metadata=None, **options):
        return cls()

    def __init__(self):
        self.frames = 0
        self.shape = None

    def write(self, frame):
        self.shape = frame.shape
        self.frames += 1

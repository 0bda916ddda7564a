"""Measuring what a call allocates, for the tests that refuse bombs in bounded memory."""

import tracemalloc


def peak_bytes(function):
    """The most memory Python held (tracemalloc's peak) while ``function()`` ran."""
    tracemalloc.start()
    try:
        function()
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()

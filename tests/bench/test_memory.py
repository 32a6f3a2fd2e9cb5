"""bench/memory.py's split of a worker's own memory by origin."""

import mmap
import os
import signal

import pytest

from bench.memory import page_origins


def test_a_forked_child_s_pages_are_shared_copied_identical_or_new():
    """A child forked from this process shares its pages until it writes them: a page
    written with other bytes is a copy, one written back with the same bytes an identical
    copy, and a mapping made after the fork is new."""
    size = 2**20  # a megabyte: the figures are in tenths of one
    private = mmap.MAP_PRIVATE | mmap.MAP_ANONYMOUS  # copied on write, as the heap is
    written = mmap.mmap(-1, size, flags=private)
    rewritten = mmap.mmap(-1, size, flags=private)
    written.write(b"x" * size)
    rewritten.write(b"y" * size)
    reading, writing = os.pipe()
    child = os.fork()
    if child == 0:  # the child: write, map, say so, and wait to be measured
        written[:] = b"z" * size
        rewritten[:] = b"y" * size
        fresh = mmap.mmap(-1, size, flags=private)
        fresh.write(b"n" * size)
        os.write(writing, b"1")
        signal.pause()
        os._exit(0)
    try:
        os.read(reading, 1)
        origins = page_origins(child, os.getpid())
    finally:
        os.kill(child, signal.SIGKILL)
        os.waitpid(child, 0)
    if origins is None:
        pytest.skip("page frame numbers are shown to root only")
    assert origins["copied"] >= 2
    assert 1 <= origins["identical"] < origins["copied"]
    assert origins["new"] >= 1
    assert origins["shared"] > 0  # the interpreter's pages it never wrote

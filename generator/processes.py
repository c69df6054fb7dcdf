"""Worker processes and tools that end with the process that started them.

A build killed with SIGKILL cannot stop what it started: MkDocs in its worker, Pagefind, Zensical or the card
workers would go on writing into the build's work folder while the next build removes that folder as abandoned,
and leave it half removed. On Linux the kernel can end them with their parent (strictly: with the thread that
started them, so a pool must not outlive that thread); elsewhere they run on.
"""

from __future__ import annotations

import ctypes
import functools
import multiprocessing
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import ProcessPoolExecutor

_PR_SET_PDEATHSIG = 1


def _prctl() -> Callable[..., int] | None:
    if sys.platform != "linux":
        return None
    try:
        return ctypes.CDLL(None).prctl
    except (OSError, AttributeError):
        return None


def _end_with(parent: int, prctl: Callable[..., int] | None) -> None:
    # A refused request (a sandbox) leaves the child as it would be without this module: nothing to report.
    if prctl is None or prctl(_PR_SET_PDEATHSIG, signal.SIGKILL) != 0:
        return
    # The parent may have ended before the request was made: then nobody would send the signal.
    if os.getppid() != parent:
        os._exit(1)


def _start(parent: int, prctl: Callable[..., int] | None, niceness: int) -> None:
    if niceness and hasattr(os, "nice"):
        os.nice(niceness)
    _end_with(parent, prctl)


def _end_with_parent(parent: int) -> None:
    _end_with(parent, _prctl())


def pool(workers: int) -> ProcessPoolExecutor:
    """A pool of ``workers`` spawned processes that end when this process (the thread that submits) ends.

    spawn, not fork: the preview's server threads must not be copied into a half-locked child.
    """
    return ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn"),
                               initializer=_end_with_parent, initargs=(os.getpid(),))


class Stopped(Exception):
    """The tool was ended because its caller asked to stop it."""


def run(args: Sequence[str], niceness: int = 0, stop: threading.Event | None = None,
        **options) -> subprocess.CompletedProcess:
    """``subprocess.run(args, **options)`` for a tool that ends when this process ends.

    ``niceness`` lowers the tool's CPU priority (Unix): for work that must not slow this process down.
    ``stop``: when it is set, the tool is ended and ``Stopped`` raised (``input`` is not supported then).
    """
    # libc is looked up here, not in the forked child, where only the plain call is safe; without prctl no hook,
    # so that subprocess may start the tool the fast way.
    prctl = _prctl()
    hook = functools.partial(_start, os.getpid(), prctl, niceness) if prctl is not None or niceness else None
    if stop is None:
        return subprocess.run(args, preexec_fn=hook, **options)
    return _run_until(stop, args, hook, **options)


def _run_until(stop: threading.Event, args: Sequence[str], hook: Callable[[], None] | None,
               timeout: float | None = None, capture_output: bool = False, check: bool = False,
               **options) -> subprocess.CompletedProcess:
    if capture_output:
        options.update(stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = None if timeout is None else time.monotonic() + timeout
    with subprocess.Popen(args, preexec_fn=hook, **options) as process:
        try:
            while True:
                try:
                    # Output read while waiting is kept for the next call (subprocess' documented contract).
                    out, err = process.communicate(timeout=0.2)
                    break
                except subprocess.TimeoutExpired:
                    late = deadline is not None and time.monotonic() > deadline
                    if late:
                        raise subprocess.TimeoutExpired(args, timeout) from None
                    if stop.is_set():
                        raise Stopped(args) from None
        except BaseException:
            # As subprocess.run does: the tool must not outlive the call (Popen's exit waits for it).
            process.kill()
            raise
    result = subprocess.CompletedProcess(args, process.returncode, out, err)
    if check:
        result.check_returncode()
    return result

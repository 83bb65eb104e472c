"""Worker processes forked for one piece of work (an import's batches, a report's charts)."""

from __future__ import annotations

import ctypes
import ctypes.util
import os
import signal
import sys

#: prctl(2): ask the kernel for a signal when the parent process dies.
_PR_SET_PDEATHSIG = 1


def default_processes() -> int:
    """How many worker processes to fork by default: the machine's cores, up to 4 (the database and the
    forking process take their share of the cores too)."""
    return max(1, min(4, os.cpu_count() or 1))


def die_with_parent(parent_pid: int) -> None:
    """Pool initializer: the worker is killed when the process that forked it dies (killed, crashed),
    rather than going on with work nobody waits for — an import killed mid-file must not have its workers
    commit batches after it. Linux only (prctl); elsewhere the workers stop when their queue closes."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)
            libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent_pid:  # the parent died before the request took effect
        os._exit(1)

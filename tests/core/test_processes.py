"""core.processes.die_with_parent: a forked worker does not outlive the process that forked it."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = """
import multiprocessing, os, sys, time
from concurrent.futures import ProcessPoolExecutor
from otklik.core.processes import die_with_parent

def pid():
    return os.getpid()

if __name__ == "__main__":
    extra = {"initializer": die_with_parent, "initargs": (os.getpid(),)} if sys.argv[1] == "yes" else {}
    pool = ProcessPoolExecutor(1, mp_context=multiprocessing.get_context("fork"), **extra)
    print(pool.submit(pid).result(), flush=True)
    time.sleep(120)
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return False
    return "State:\tZ" not in state  # a zombie waiting for its reaper is dead


def _worker_after_parent_killed(with_initializer: str) -> bool:
    proc = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, with_initializer], stdout=subprocess.PIPE, cwd=ROOT, text=True
    )
    worker = int(proc.stdout.readline())
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=10)
    deadline = time.monotonic() + 5
    while _alive(worker) and time.monotonic() < deadline:
        time.sleep(0.05)
    alive = _alive(worker)
    if alive:
        os.kill(worker, signal.SIGKILL)
    return alive


def test_a_worker_is_killed_with_the_process_that_forked_it():
    assert _worker_after_parent_killed("yes") is False
    assert _worker_after_parent_killed("no") is True  # without it the worker would live on, orphaned

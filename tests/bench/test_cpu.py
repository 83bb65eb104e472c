"""The benchmarks' CPU accounting (bench._common): a server's process tree, the local PostgreSQL server
with its ended backends, and the figure a request or a row."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import psycopg
import pytest
from django.db import connection

from bench._common import (
    children,
    database_cpu_parts,
    database_cpu_seconds,
    per_unit_ms,
    rusage_seconds,
    tree_cpu_seconds,
)

#: Burns `seconds` of CPU, then stays alive a while so that its whole CPU is seen in a live tree.
BURN = (
    "import time\nend = time.process_time() + {seconds}\nwhile time.process_time() < end: pass\n"
    "time.sleep(1.5)\n"
)


def test_a_process_tree_counts_its_childrens_cpu():
    """A process whose grandchild burns 0.4 s while it and its child wait: the tree has that CPU."""
    burn = f"import subprocess, sys\nsubprocess.run([sys.executable, '-c', {BURN.format(seconds=0.4)!r}])\n"
    child = f"import subprocess, sys\nsubprocess.run([sys.executable, '-c', {burn!r}])\n"
    code = f"import time\ntime.sleep(0.2)\n{child}"
    parent = subprocess.Popen([sys.executable, "-c", code])
    try:
        before = most = tree_cpu_seconds(parent.pid)
        deadline = time.monotonic() + 10
        while parent.poll() is None and time.monotonic() < deadline:  # sampled while the child lives
            most = max(most, tree_cpu_seconds(parent.pid))
            time.sleep(0.05)
    finally:
        parent.wait(15)
    assert most - before >= 0.35


def test_children_and_the_ended_childrens_cpu():
    """A live child is listed under its parent; once it has ended and been waited for, its CPU is counted
    by `rusage_seconds(own=False)`, and `rusage_seconds()` adds this process's own."""
    before = rusage_seconds(own=False)
    child = subprocess.Popen([sys.executable, "-c", BURN.format(seconds=0.3)])
    try:
        assert child.pid in children(os.getpid())
    finally:
        child.wait(15)
    assert child.pid not in children(os.getpid())
    assert rusage_seconds(own=False) - before >= 0.25
    assert rusage_seconds() >= rusage_seconds(own=False)


@pytest.mark.parametrize(
    ("seconds", "units", "expected"),
    [(1.5, 1000, 1.5), (0.0123, 3, 4.1), (None, 10, None), (2.0, 0, None)],
)
def test_per_unit_ms(seconds, units, expected):
    assert per_unit_ms(seconds, units) == expected


def test_the_database_servers_cpu_grows_with_its_work_and_keeps_ended_backends(db):
    before = database_cpu_parts()
    if connection.vendor != "postgresql":
        assert before is None and database_cpu_seconds() is None  # SQLite: nothing to read
        return
    assert before is not None and before[0] > 0 and database_cpu_seconds() >= sum(before)
    own = connection.settings_dict
    conninfo = f"host={own['HOST']} port={own['PORT'] or 5432} user={own['USER']} dbname={own['NAME']}"
    # A backend of its own that works for a while and then ends: counted through the postmaster.
    with psycopg.connect(conninfo) as other:
        other.execute("SELECT count(*) FROM generate_series(1, 6000000) AS g(n) WHERE n % 7 = 3").fetchone()
    time.sleep(0.3)  # the postmaster reaps the ended backend
    after = database_cpu_parts()
    assert after is not None and after[1] - before[1] >= 0.2

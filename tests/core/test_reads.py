"""otklik.core.reads.at_once: independent reads at once on connections of their own — on PostgreSQL
outside a transaction — else in turn in the caller's thread; the same results either way."""

from __future__ import annotations

import threading

from django.db import connection

from otklik.cases.models import Case
from otklik.core import db_router, reads
from tests.factories import CaseFactory


def _reader(k: int):
    def read() -> tuple[int, int, bool, bool]:
        in_transaction = connection.in_atomic_block
        return (
            threading.get_ident(),
            Case.objects.count() + k,
            db_router._reading_replica.get(),
            in_transaction,
        )

    return read


def test_outside_a_transaction_postgresql_reads_in_threads_with_the_callers_replica_choice(transactional_db):
    CaseFactory.create_batch(2)
    with db_router.use_replica():
        results = reads.at_once([_reader(k) for k in range(3)])
    assert [count for _, count, _, _ in results] == [2, 3, 4]  # in order
    assert all(replica for _, _, replica, _ in results)  # use_replica() holds in the threads too
    threads = {thread for thread, _, _, _ in results}
    if connection.vendor == "postgresql":
        assert reads.possible() and threading.get_ident() not in threads
    else:
        assert not reads.possible() and threads == {threading.get_ident()}


def test_inside_a_transaction_the_reads_run_in_turn_and_see_its_rows(db):
    CaseFactory()  # not committed: only this connection sees it
    assert not reads.possible()
    results = reads.at_once([_reader(0), _reader(0)])
    assert results == [(threading.get_ident(), 1, False, True)] * 2

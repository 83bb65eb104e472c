"""Django's PostgreSQL backend, with a cheaper health check of persistent connections and moments
(`timestamptz`) read at C speed (otklik.core.pgtime).

With `CONN_HEALTH_CHECKS` Django checks a reused connection at the start of every request by a
`SELECT 1`: a round trip and a statement for the server, on every request — on an API call that
creates a case, one statement in eight. Here a connection whose last check passed less than
`OTKLIK_PG_HEALTH_CHECK_SECONDS` ago (default 1 s; HikariCP's "alive bypass window") passes without it,
provided that nothing came from the server since: on an idle connection the server sends only to end it
(a restart, `pg_terminate_backend`, an idle timeout: its farewell and the closing of the socket), so a
readable socket sends the connection to the full check, which reads it and finds it dead. Under load a
connection is thus checked by a statement at most once a second. What the window lets through is a
server gone without a word (a machine that lost power, a network cut): the request that meets it fails,
as it would if the server went away a moment later, mid-request, and the connection is then replaced.
"""

from __future__ import annotations

import select
import time
from typing import Any

from django.conf import settings
from django.db.backends.postgresql import base
from psycopg import pq

from otklik.core.pgtime import loader_for


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._alive_at = float("-inf")  # when the connection last proved alive

    def connect(self) -> None:
        super().connect()
        self._alive_at = time.monotonic()

    def init_connection_state(self) -> None:
        super().init_connection_state()
        # Moments read at C speed, the same values as Django's loader gives (otklik.core.pgtime).
        self.connection.adapters.register_loader("timestamptz", loader_for(self.timezone))

    def is_usable(self) -> bool:
        now = time.monotonic()
        if now - self._alive_at < settings.OTKLIK_PG_HEALTH_CHECK_SECONDS and self._quiet():
            return True
        usable = bool(super().is_usable())
        if usable:
            self._alive_at = now
        return usable

    def _quiet(self) -> bool:
        """The connection is open, idle, and the server has sent nothing on it."""
        connection = self.connection
        if connection is None or connection.closed:
            return False
        pgconn = connection.pgconn
        if pgconn.status != pq.ConnStatus.OK or pgconn.transaction_status != pq.TransactionStatus.IDLE:
            return False
        poller = select.poll()
        poller.register(pgconn.socket, select.POLLIN | select.POLLPRI)
        return not poller.poll(0)  # readable (or closed, or failed: POLLHUP/POLLERR come regardless)

"""Who may order reports and who sees which runs.

* Ordering the quarterly report: the municipality-wide readers — curator, head, analyst, the regional
  ЦУР's observer — for the municipalities they hold the role in (a region-wide role: every one, and the
  consolidated report), and a superuser. Their scope covers every case of those municipalities, so a
  per-block figure read through the block's scope (accelerated resolution) never shows them more.
* Seeing a run and downloading its file: who ordered it; the readers of its municipality (a consolidated
  run: region-wide readers only); for a monthly block report also the owner of the block. Anything else
  answers 404, like a missing run.
* The weekly summary: only the person it was made for.
"""

from __future__ import annotations

from typing import Any

from django.db.models import Q, QuerySet
from django.http import Http404

from otklik.org.models import Block, Role
from otklik.org.selectors import role_assignments
from otklik.reports.models import ReportRun, RunKind, RunStatus
from otklik.territory.models import Municipality

READER_ROLES = (Role.CURATOR, Role.HEAD, Role.ANALYST, Role.OBSERVER)
#: Who receives the weekly summary.
SUMMARY_ROLES = (Role.HEAD, Role.CURATOR)


def _active(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


def reader_municipality_ids(user: Any) -> set[int] | None:
    """The municipalities the user reads reports of; None means every one (superuser, region-wide role)."""
    if not _active(user):
        return set()
    if user.is_superuser:
        return None
    ids: set[int] = set()
    for a in role_assignments(user):
        if a.role in READER_ROLES:
            if a.municipality_id is None:
                return None
            ids.add(a.municipality_id)
    return ids


def can_order(user: Any) -> bool:
    ids = reader_municipality_ids(user)
    return ids is None or bool(ids)


def orderable_municipalities(user: Any) -> list[Municipality]:
    ids = reader_municipality_ids(user)
    qs = Municipality.objects.all() if ids is None else Municipality.objects.filter(pk__in=ids)
    return list(qs.order_by("name"))


def owned_block_ids(user: Any) -> set[int]:
    if not _active(user):
        return set()
    ids = {a.block_id for a in role_assignments(user) if a.role == Role.BLOCK_OWNER and a.block_id}
    ids |= set(Block.objects.filter(owner_id=user.pk).values_list("pk", flat=True))
    return ids


def can_see_reports(user: Any) -> bool:
    return can_order(user) or bool(owned_block_ids(user))


def visible_runs(user: Any) -> QuerySet[ReportRun]:
    qs = ReportRun.objects.select_related("municipality", "block", "requested_by")
    if not _active(user):
        return qs.none()
    ids = reader_municipality_ids(user)
    if ids is None:
        return qs
    q = Q(requested_by_id=user.pk) | Q(municipality_id__in=ids)
    blocks = owned_block_ids(user)
    if blocks:
        q |= Q(kind=RunKind.MONTHLY_BLOCK, block_id__in=blocks)
    return qs.filter(q)


def run_for_user(user: Any, pk: int) -> ReportRun:
    run = visible_runs(user).filter(pk=pk).first()
    if run is None:
        raise Http404("Отчёт не найден.")
    return run


def downloadable_run(user: Any, pk: int) -> ReportRun:
    run = run_for_user(user, pk)
    if run.status != RunStatus.DONE or not run.file:
        raise Http404("Файл отчёта ещё не готов.")
    return run

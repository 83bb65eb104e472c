"""Every write of the content plan: create, edit, submit, approve (the head only), return, cancel, mark
published, and the job that publishes approved posts whose time has come through the sender."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from otklik.audit.services import record
from otklik.org.models import Topic
from otklik.problems.models import Measure, Problem
from otklik.publications import permissions, rules
from otklik.publications.models import OfficialPage, Post
from otklik.publications.senders import SenderError, get_sender
from otklik.territory.models import Municipality

log = logging.getLogger(__name__)
#: A claim older than this is taken to be a crashed worker's: the post is tried again.
CLAIM_TIMEOUT = timedelta(minutes=10)


class PublicationError(Exception):
    """A write the rules do not allow; the message is for people."""


def snapshot(post: Post) -> dict[str, Any]:
    return {
        "title": post.title,
        "status": post.status,
        "page": post.page_id,
        "topic": post.topic_id,
        "planned_at": post.planned_at.isoformat() if post.planned_at else None,
        "problem": post.problem_id,
        "measure": post.measure_id,
        "published_url": post.published_url,
        "text_length": len(post.text or ""),
    }


def _check_links(
    municipality: Municipality, page: OfficialPage, problem: Problem | None, measure: Measure | None
) -> None:
    if page.municipality_id != municipality.pk:
        raise PublicationError("Страница относится к другому муниципальному образованию.")
    if problem is not None and problem.municipality_id != municipality.pk:
        raise PublicationError("Проблема относится к другому муниципальному образованию.")
    if measure is not None:
        if problem is None:
            raise PublicationError("Чтобы связать публикацию с мероприятием, выберите и его проблему.")
        if measure.problem_id != problem.pk:
            raise PublicationError("Мероприятие относится к другой проблеме.")


def _capabilities(actor: Any, municipality_id: int) -> set[str]:
    caps = permissions.capabilities(actor, municipality_id)
    if rules.EDIT not in caps and rules.APPROVE not in caps:
        raise PublicationError("Вы не ведёте контент-план этого муниципального образования.")
    return caps


@transaction.atomic
def create_post(
    *,
    actor: Any,
    municipality: Municipality,
    title: str,
    text: str,
    page: OfficialPage,
    planned_at: datetime,
    topic: Topic | None = None,
    problem: Problem | None = None,
    measure: Measure | None = None,
) -> Post:
    if rules.EDIT not in _capabilities(actor, municipality.pk):
        raise PublicationError(
            "Создавать публикации может ответственный за соцсети, руководитель или куратор."
        )
    _check_links(municipality, page, problem, measure)
    post = Post.objects.create(
        municipality=municipality,
        title=title.strip(),
        text=text.strip(),
        page=page,
        planned_at=planned_at,
        topic=topic,
        problem=problem,
        measure=measure,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    record("publications.post_created", actor=actor, obj=post, after=snapshot(post))
    return post


@transaction.atomic
def update_post(post: Post, *, actor: Any, **fields: Any) -> Post:
    """Edit a draft, planned or approved post; an approved one goes back to the head for approval."""
    post = Post.objects.select_for_update().get(pk=post.pk)
    if rules.EDIT not in _capabilities(actor, post.municipality_id):
        raise PublicationError(
            "Изменять публикации может ответственный за соцсети, руководитель или куратор."
        )
    if post.status not in rules.EDITABLE:
        raise PublicationError(f"Публикация {rules.LABELS[post.status]}: изменить её нельзя.")
    before = snapshot(post)
    for name, value in fields.items():
        setattr(post, name, value.strip() if isinstance(value, str) else value)
    _check_links(post.municipality, post.page, post.problem, post.measure)
    if post.status == Post.Status.APPROVED:
        post.status = Post.Status.PLANNED
        post.approved_by = None
        post.approved_at = None
        post.note = "Изменена после согласования: нужно согласовать снова."
    post.save()
    record("publications.post_updated", actor=actor, obj=post, before=before, after=snapshot(post))
    return post


@transaction.atomic
def transition(post: Post, target: str, *, actor: Any, note: str = "", now: datetime | None = None) -> Post:
    """Move a post along the graph (rules.TRANSITIONS), checking the person's role for the change."""
    now = now or timezone.now()
    if target == Post.Status.PUBLISHED:
        raise PublicationError(
            "Опубликованной публикацию делает отправка по расписанию или отметка со ссылкой."
        )
    post = Post.objects.select_for_update().select_related("municipality").get(pk=post.pk)
    caps = permissions.capabilities(actor, post.municipality_id) if actor is not None else {rules.SYSTEM}
    rules.check(post.status, target, caps)
    before = snapshot(post)
    post.status = target
    if target == Post.Status.APPROVED:
        post.approved_by = actor
        post.approved_at = now
        post.note = ""
        post.send_attempts = 0
        post.send_error = ""
        post.next_attempt_at = None
    elif target in (Post.Status.DRAFT, Post.Status.PLANNED, Post.Status.CANCELLED):
        post.approved_by = None
        post.approved_at = None
        post.note = note.strip()
    post.save()
    record(
        f"publications.post_{target}",
        actor=actor,
        obj=post,
        before=before,
        after={**snapshot(post), "note": post.note},
    )
    return post


@transaction.atomic
def mark_published(post: Post, *, actor: Any, url: str, now: datetime | None = None) -> Post:
    """An approved post published by hand: its link and the time."""
    now = now or timezone.now()
    post = Post.objects.select_for_update().get(pk=post.pk)
    caps = permissions.capabilities(actor, post.municipality_id)
    rules.check(post.status, Post.Status.PUBLISHED, caps)
    if not url.startswith(("http://", "https://")):
        raise PublicationError("Укажите ссылку на опубликованный пост (начинается с https://).")
    before = snapshot(post)
    post.status = Post.Status.PUBLISHED
    post.published_at = now
    post.published_url = url.strip()[:500]
    post.published_by = actor
    post.send_claimed_at = None
    post.save()
    record("publications.post_published", actor=actor, obj=post, before=before, after=snapshot(post))
    return post


# --- the publishing job -----------------------------------------------------------------------------


def payload(post: Post) -> dict[str, Any]:
    """What a sender receives: the post and where it goes; no personal data."""
    tz = post.municipality.tz
    return {
        "id": post.pk,
        "municipality": {"code": post.municipality.code, "name": post.municipality.name},
        "page": {"name": post.page.name, "network": post.page.network, "url": post.page.url},
        "title": post.title,
        "text": post.text,
        "topic": post.topic.name if post.topic else "",
        "planned_at": timezone.localtime(post.planned_at, tz).isoformat(),
        "problem": {"id": post.problem_id, "title": post.problem.title} if post.problem else None,
        "measure": {"id": post.measure_id, "title": post.measure.title} if post.measure else None,
    }


def due_posts(now: datetime) -> list[int]:
    return list(
        Post.objects.filter(
            status=Post.Status.APPROVED, planned_at__lte=now, send_attempts__lt=rules.MAX_ATTEMPTS
        )
        .filter(Q(next_attempt_at__isnull=True) | Q(next_attempt_at__lte=now))
        .filter(Q(send_claimed_at__isnull=True) | Q(send_claimed_at__lt=now - CLAIM_TIMEOUT))
        .order_by("planned_at", "pk")
        .values_list("pk", flat=True)[:100]
    )


def publish_due(now: datetime | None = None) -> dict[str, int]:
    """The worker's job: send every approved post whose time has come. Each is claimed first (a
    conditional update), so two workers never send the same post; a failure is retried with pauses."""
    now = now or timezone.now()
    sent = failed = 0
    sender = get_sender()
    for pk in due_posts(now):
        claimed = (
            Post.objects.filter(pk=pk, status=Post.Status.APPROVED)
            .filter(Q(send_claimed_at__isnull=True) | Q(send_claimed_at__lt=now - CLAIM_TIMEOUT))
            .update(send_claimed_at=now)
        )
        if claimed != 1:
            continue
        post = Post.objects.select_related("municipality", "page", "topic", "problem", "measure").get(pk=pk)
        try:
            link = sender.send(payload(post))
        except SenderError as exc:
            failed += 1
            attempts = post.send_attempts + 1
            Post.objects.filter(pk=pk).update(
                send_attempts=attempts,
                send_error=str(exc)[:500],
                next_attempt_at=rules.next_attempt(attempts, now),
                send_claimed_at=None,
            )
            log.warning("publications: post %s was not sent: %s", pk, exc)
            continue
        with transaction.atomic():
            fresh = Post.objects.select_for_update().get(pk=pk)
            before = snapshot(fresh)
            rules.check(fresh.status, Post.Status.PUBLISHED, {rules.SYSTEM})
            fresh.status = Post.Status.PUBLISHED
            fresh.published_at = timezone.now()
            fresh.published_url = link or post.page.url
            fresh.send_attempts = post.send_attempts + 1
            fresh.send_error = ""
            fresh.send_claimed_at = None
            fresh.save()
            record(
                "publications.post_published",
                actor=None,
                actor_label="публикация по расписанию",
                obj=fresh,
                before=before,
                after={**snapshot(fresh), "sender": settings.OTKLIK_PUBLICATION_SENDER},
            )
        sent += 1
    return {"sent": sent, "failed": failed}

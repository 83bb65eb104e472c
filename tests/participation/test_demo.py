"""The demo district's polls, discussions and content plan: every state a page can show."""

from __future__ import annotations

import io

import pytest
from django.utils import timezone
from docx import Document

from otklik.org.models import Role
from otklik.participation import exports, selectors
from otklik.participation.demo import load_demo_participation
from otklik.participation.models import Comment, Discussion, Poll
from otklik.publications.models import OfficialPage, Post
from tests.factories import RoleFactory, SettlementFactory

pytestmark = pytest.mark.django_db


def test_the_demo_shows_every_state(municipality, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    SettlementFactory(municipality=municipality, name="Котельниковское городское поселение", population=20000)
    SettlementFactory(municipality=municipality, name="Майоровское сельское поселение", population=900)
    for role in (Role.POS_OFFICER, Role.HEAD, Role.INCIDENT_OFFICER):
        RoleFactory(role=role, municipality=municipality)
    now = timezone.now()
    assert load_demo_participation(municipality, now) == {"polls": 3, "discussions": 2, "posts": 6}

    statuses = dict(Poll.objects.values_list("title", "status"))
    assert set(statuses.values()) == {"draft", "published", "closed"}
    park = Poll.objects.get(title="Благоустройство парка Победы")
    results = selectors.poll_results(park)
    assert results.ballots_site == 48
    assert results.ballots_by_settlement[0] > results.ballots_by_settlement[1]  # the town answers most
    vote = Poll.objects.get(status="closed")
    assert selectors.poll_results(vote).questions[0].total == 30 + 41 + 17 + 25
    assert exports.results_workbook(selectors.poll_results(vote))

    scheme = Discussion.objects.get(status="published")
    assert scheme.comments.filter(status=Comment.Status.PENDING).count() == 2
    assert scheme.comments.get(status=Comment.Status.REJECTED).reason.code == "spam"
    assert scheme.documents.count() == 1
    finished = Discussion.objects.get(status="closed")
    doc = Document(io.BytesIO(exports.protocol_docx(finished)))
    assert len(doc.tables[0].rows) == 3 and "учтено частично" in doc.tables[0].rows[1].cells[2].text

    assert OfficialPage.objects.filter(municipality=municipality).count() == 4
    assert sorted(Post.objects.values_list("status", flat=True)) == sorted(
        ["published", "published", "approved", "planned", "draft", "cancelled"]
    )
    assert all(p.published_url.startswith("https://") for p in Post.objects.filter(status="published"))

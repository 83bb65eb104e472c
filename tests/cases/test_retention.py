"""`otklik purge`: personal data of long-finished cases is removed; the anonymised case stays."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone

from otklik.audit.models import AuditEvent, PersonalDataAccess
from otklik.cases.models import Answer, Attachment, Case, Status
from otklik.cases.retention import purge
from otklik.cli import main
from otklik.quality.models import Rating
from tests.factories import CaseFactory, MunicipalityFactory, UserFactory

TEXT = "Меня зовут Петров Иван Сергеевич, телефон +7 900 123-45-67. Не горит фонарь у дома 5."


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def old_case(muni, years_ago: float, **kw) -> Case:
    closed = timezone.now() - timedelta(days=int(365 * years_ago))
    defaults = {
        "municipality": muni,
        "status": Status.CLOSED,
        "received_at": closed - timedelta(days=20),
        "due_at": closed,
        "closed_at": closed,
        "text": TEXT,
        "author_name": "Петров Иван Сергеевич",
        "author_email": "petrov@example.ru",
        "author_phone": "+79001234567",
        "author_address": "г. Котельниково, ул. Ленина, д. 5, кв. 3",
        "co_authors": [{"name": "Сидоров С. С.", "address": "ул. Мира, 1"}],
        "raw_payload": {"Автор": "Петров"},
    }
    defaults.update(kw)
    return CaseFactory(**defaults)


def test_purge_removes_personal_data_after_the_term_only(db, media):
    muni = MunicipalityFactory()
    old = old_case(muni, 6)
    recent = old_case(muni, 1)
    still_open = old_case(muni, 6, status=Status.IN_PROGRESS, closed_at=None)
    Answer.objects.create(
        case=old, text="Уважаемый Петров Иван Сергеевич! Фонарь заменён 12.05.", sent_at=timezone.now()
    )
    Attachment.objects.create(case=old, file=ContentFile(b"\xff\xd8\xff photo", name="p.jpg"), name="p.jpg")
    Rating.objects.create(
        case=old,
        satisfied=False,
        comment="Петров Иван Сергеевич недоволен",
        source="email",
        created_at=timezone.now(),
    )
    photo = media / "cases" / str(old.pk) / "p.jpg"
    assert photo.is_file()
    PersonalDataAccess.objects.create(
        user_id=UserFactory().pk,
        case=recent,
        via="api",
        day=timezone.localdate(),
        at=timezone.now() - timedelta(days=4 * 365),
    )

    dry = purge(dry_run=True)
    assert dry["cases"] == 1 and dry["access_log"] == 1
    assert Case.objects.get(pk=old.pk).author_name  # nothing removed by a dry run

    report = purge()
    assert report["cases"] == 1 and report["files"] == 1 and report["access_log"] == 1
    old.refresh_from_db()
    assert (old.author_name, old.author_email, old.author_phone, old.author_address) == ("", "", "", "")
    assert old.co_authors == [] and old.raw_payload == {"personal_data_removed": True}
    assert "Петров" not in old.text and "900" not in old.text and "фонарь" in old.text
    assert old.personal_data_removed_at is not None and old.topic_id == old.topic_id
    assert "Петров" not in Answer.objects.get(case=old).text
    assert "Петров" not in Rating.objects.get(case=old).comment
    assert not Attachment.objects.filter(case=old).exists() and not photo.exists()
    for untouched in (recent, still_open):
        untouched.refresh_from_db()
        assert untouched.author_name == "Петров Иван Сергеевич" and untouched.personal_data_removed_at is None
    assert not PersonalDataAccess.objects.exists()
    assert AuditEvent.objects.filter(action="retention.purge").count() == 1
    assert purge()["cases"] == 0  # idempotent


def test_purge_command_prints_json(db, media, capsys):
    old_case(MunicipalityFactory(), 6)
    assert main(["purge", "--dry-run"]) == 0
    assert json.loads(capsys.readouterr().out) | {"dry_run": True} == json.loads(
        json.dumps({**purge(dry_run=True), "dry_run": True})
    )
    assert main(["purge"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["dry_run"] is False and out["cases"] == 1

"""`otklik backup` / `otklik restore` on the test database (SQLite, or PostgreSQL with pg_dump)."""

from __future__ import annotations

import io
import json
import tarfile

import pytest
from django.core.files.base import ContentFile

from otklik.cases.models import Attachment, Case
from otklik.cli import main
from otklik.core.backup import table_sums
from tests.factories import CaseFactory, MunicipalityFactory


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.mark.django_db(transaction=True)
def test_backup_then_restore_brings_back_rows_files_and_checksums(media, tmp_path, capsys):
    muni = MunicipalityFactory(code="bk")
    cases = [CaseFactory(municipality=muni, text=f"Обращение № {i} о ремонте дороги.") for i in range(3)]
    Attachment.objects.create(
        case=cases[0], file=ContentFile(b"%PDF-1.4 test", name="scan.pdf"), name="scan.pdf"
    )
    stored = media / "cases" / str(cases[0].pk) / "scan.pdf"
    assert stored.is_file()
    before = table_sums()
    archive = tmp_path / "copy.tar.gz"

    assert main(["backup", "--out", str(archive)]) == 0
    summary = json.loads(capsys.readouterr().out)
    assert summary["media_files"] == 1 and summary["rows"] >= 3 and archive.is_file()

    # things go wrong after the copy: a case deleted, another added, a file lost
    Case.objects.filter(pk=cases[1].pk).delete()
    CaseFactory(municipality=muni, text="Появилось после копии.")
    stored.unlink()
    assert table_sums() != before

    assert main(["restore", str(archive), "--yes"]) == 0
    result = json.loads(capsys.readouterr().out)
    assert result["mismatches"] == []
    assert table_sums() == before
    assert stored.read_bytes() == b"%PDF-1.4 test"
    assert sorted(Case.objects.values_list("pk", flat=True)) == sorted(c.pk for c in cases)


@pytest.mark.django_db(transaction=True)
def test_restore_refuses_a_foreign_or_hostile_archive(media, tmp_path, capsys):
    junk = tmp_path / "junk.tar.gz"
    junk.write_bytes(b"not an archive")
    assert main(["restore", str(junk), "--yes"]) == 1
    assert "не архив «Отклика»" in capsys.readouterr().err

    hostile = tmp_path / "hostile.tar.gz"
    manifest = json.dumps({"format": "otklik-backup/1", "engine": "sqlite", "tables": {}}).encode()
    with tarfile.open(hostile, "w:gz") as tar:
        for name, data in (("manifest.json", manifest), ("../../evil.txt", b"x")):
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    from django.db import connection

    manifest_engine = connection.vendor
    if manifest_engine == "sqlite":
        assert main(["restore", str(hostile), "--yes"]) == 1
        assert "недопустимый путь" in capsys.readouterr().err
    else:
        assert main(["restore", str(hostile), "--yes"]) == 1
        assert "Архив сделан для sqlite" in capsys.readouterr().err
    assert not (tmp_path.parent / "evil.txt").exists()

    assert main(["restore", str(tmp_path / "missing.tar.gz"), "--yes"]) == 1
    assert "не найден" in capsys.readouterr().err


@pytest.mark.django_db(transaction=True)
def test_restore_asks_for_confirmation_without_a_terminal(tmp_path, capsys, monkeypatch, media):
    archive = tmp_path / "copy.tar.gz"
    assert main(["backup", "--out", str(archive)]) == 0
    capsys.readouterr()
    monkeypatch.setattr("sys.stdin", io.StringIO(""))
    assert main(["restore", str(archive)]) == 1
    assert "--yes" in capsys.readouterr().err

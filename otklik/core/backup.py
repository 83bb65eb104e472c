"""`otklik backup` / `otklik restore`: the whole installation in one archive — the database (an SQLite
copy made with SQLite's online backup, or `pg_dump -Fc` for PostgreSQL), the uploaded files, and a
manifest with each table's row count and checksum, which the restore checks."""

from __future__ import annotations

import hashlib
import io
import json
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.apps import apps
from django.conf import settings
from django.db import connection, connections
from django.utils import timezone

FORMAT = "otklik-backup/1"
MANIFEST = "manifest.json"
SQLITE_NAME = "database.sqlite3"
PG_NAME = "database.pgdump"
MEDIA_DIR = "media"


class BackupError(Exception):
    """A backup or restore that cannot be done; the message is for the operator, in Russian."""


@dataclass
class TableSum:
    rows: int
    sha256: str


def _plain(value: Any) -> Any:
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (bytes, memoryview)):
        return hashlib.sha256(bytes(value)).hexdigest()
    return value


def table_sums() -> dict[str, dict[str, Any]]:
    """Row count and a checksum of every row (in primary-key order) of each table of the project's
    models and Django's auth tables."""
    out: dict[str, dict[str, Any]] = {}
    for model in apps.get_models(include_auto_created=True):
        meta = model._meta
        if meta.proxy or not meta.managed:
            continue
        if not (meta.app_label in {"auth", "contenttypes"} or model.__module__.startswith("otklik.")):
            continue
        names = [f.attname for f in meta.concrete_fields]
        digest = hashlib.sha256()
        rows = 0
        for row in model._base_manager.order_by("pk").values_list(*names).iterator(chunk_size=2000):
            digest.update(json.dumps([_plain(v) for v in row], ensure_ascii=False, default=str).encode())
            digest.update(b"\n")
            rows += 1
        out[meta.db_table] = {"rows": rows, "sha256": digest.hexdigest()}
    return out


def _engine() -> str:
    vendor = connection.vendor
    if vendor not in ("sqlite", "postgresql"):
        raise BackupError(f"Резервное копирование для СУБД «{vendor}» не поддерживается.")
    return vendor


def _pg_url() -> str:
    db = settings.DATABASES["default"]
    user = db.get("USER") or ""
    password = db.get("PASSWORD") or ""
    auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
    host = db.get("HOST") or ""
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgresql://{auth}{host}{port}/{db['NAME']}"


def _run(command: list[str], what: str) -> None:
    tool = shutil.which(command[0])
    if tool is None:
        raise BackupError(f"Не найдена программа {command[0]}: установите клиент PostgreSQL той же версии.")
    done = subprocess.run([tool, *command[1:]], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        reason = (done.stderr or done.stdout).strip().splitlines()
        raise BackupError(f"{what}: {reason[-1] if reason else 'код ' + str(done.returncode)}")


def backup(out: Path) -> dict[str, Any]:
    """Write the archive to `out` (a .tar.gz); returns the manifest."""
    engine = _engine()
    out = Path(out)
    if out.exists() and out.is_dir():
        raise BackupError(f"{out} — это каталог; укажите имя файла архива.")
    with tempfile.TemporaryDirectory(prefix="otklik-backup-") as tmp:
        work = Path(tmp)
        if engine == "sqlite":
            dump = work / SQLITE_NAME
            connection.ensure_connection()
            target = sqlite3.connect(dump)
            try:
                connection.connection.backup(target)
            finally:
                target.close()
        else:
            dump = work / PG_NAME
            _run(
                ["pg_dump", "-Fc", "--no-owner", "--no-privileges", "-f", str(dump), _pg_url()],
                "pg_dump завершился с ошибкой",
            )
        manifest = {
            "format": FORMAT,
            "engine": engine,
            "created_at": timezone.now().isoformat(),
            "tables": table_sums(),
            "media_files": 0,
        }
        media = Path(settings.MEDIA_ROOT)
        partial = out.with_name(out.name + ".part")
        with tarfile.open(partial, "w:gz") as tar:
            tar.add(dump, arcname=dump.name)
            if media.is_dir():
                for path in sorted(media.rglob("*")):
                    if path.is_file():
                        tar.add(path, arcname=f"{MEDIA_DIR}/{path.relative_to(media).as_posix()}")
                        manifest["media_files"] += 1
            data = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
            info = tarfile.TarInfo(MANIFEST)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
        partial.replace(out)  # a crash never leaves a half-written archive under the real name
    return manifest


def _safe_members(tar: tarfile.TarFile) -> list[tarfile.TarInfo]:
    members = []
    for m in tar.getmembers():
        name = Path(m.name)
        if name.is_absolute() or ".." in name.parts or not (m.isfile() or m.isdir()):
            raise BackupError(f"Архив повреждён или подменён: недопустимый путь «{m.name}».")
        members.append(m)
    return members


def read_manifest(archive: Path) -> dict[str, Any]:
    if not Path(archive).is_file():
        raise BackupError(f"Файл {archive} не найден.")
    try:
        with tarfile.open(archive, "r:gz") as tar:
            handle = tar.extractfile(MANIFEST)
            if handle is None:
                raise KeyError(MANIFEST)
            manifest: dict[str, Any] = json.loads(handle.read())
    except (OSError, tarfile.TarError, KeyError, ValueError) as exc:
        raise BackupError(f"Это не архив «Отклика» или он повреждён: {exc}") from exc
    if manifest.get("format") != FORMAT:
        raise BackupError("Неизвестный формат архива.")
    return manifest


def restore(archive: Path) -> dict[str, Any]:
    """Replace the database and the uploaded files with the archive's; then check every table against
    the manifest. Returns {"tables": n, "rows": n, "media_files": n, "mismatches": [...]}."""
    engine = _engine()
    archive = Path(archive)
    if not archive.is_file():
        raise BackupError(f"Файл {archive} не найден.")
    manifest = read_manifest(archive)
    if manifest["engine"] != engine:
        raise BackupError(
            f"Архив сделан для {manifest['engine']}, а установка работает на {engine}: "
            "восстановите в установку с той же СУБД."
        )
    with tempfile.TemporaryDirectory(prefix="otklik-restore-") as tmp:
        work = Path(tmp)
        with tarfile.open(archive, "r:gz") as tar:
            tar.extractall(work, members=_safe_members(tar), filter="data")
        if engine == "sqlite":
            source = sqlite3.connect(work / SQLITE_NAME)
            try:
                connection.ensure_connection()
                source.backup(connection.connection)
            finally:
                source.close()
        else:
            for conn in connections.all():
                conn.close()
            _run(
                [
                    "pg_restore",
                    "--clean",
                    "--if-exists",
                    "--no-owner",
                    "--no-privileges",
                    "--single-transaction",
                    "-d",
                    _pg_url(),
                    str(work / PG_NAME),
                ],
                "pg_restore завершился с ошибкой",
            )
        media = Path(settings.MEDIA_ROOT)
        restored_media = work / MEDIA_DIR
        if restored_media.is_dir():
            media.mkdir(parents=True, exist_ok=True)
            shutil.copytree(restored_media, media, dirs_exist_ok=True)
    now = table_sums()
    mismatches = [table for table, expected in manifest["tables"].items() if now.get(table) != expected]
    return {
        "tables": len(manifest["tables"]),
        "rows": sum(t["rows"] for t in manifest["tables"].values()),
        "media_files": manifest.get("media_files", 0),
        "mismatches": mismatches,
    }

"""The `otklik` command: one entry point for operators of an installation.

Every subcommand has --help; errors end with a one-line reason on stderr and a non-zero exit code.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any


class CliError(Exception):
    """A user-facing error: printed as one line, exit code 1."""


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "otklik.settings")
    import django

    django.setup()


def _ensure_var_dir() -> None:
    from django.conf import settings

    settings.VAR_DIR.mkdir(parents=True, exist_ok=True)


def cmd_migrate(args: argparse.Namespace) -> int:
    _django()
    _ensure_var_dir()
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=1 if args.verbose else 0)
    print("База данных в актуальном состоянии.")
    return 0


def _database_is_empty() -> bool:
    from otklik.territory.models import Municipality

    return not Municipality.objects.exists()


def _print_accounts(accounts: list[dict[str, str]]) -> None:
    print(
        "Демонстрационные учётные записи (вход: http://127.0.0.1:{}/login/):".format(
            os.environ.get("OTKLIK_PORT", "8000")
        )
    )
    width = max(len(a["username"]) for a in accounts)
    for a in accounts:
        print(f"  {a['username'].ljust(width)}  пароль: {a['password']}   {a['role']} — {a['name']}")


def cmd_demo_load(args: argparse.Namespace) -> int:
    _django()
    _ensure_var_dir()
    from datetime import date

    from otklik.demo.services import DemoError, demo_accounts, load_demo

    if args.if_empty and not _database_is_empty():
        print("Данные уже загружены: демонстрационный район не загружался повторно.")
        _print_accounts(demo_accounts())
        return 0
    try:
        anchor = date.fromisoformat(args.anchor) if args.anchor else None
    except ValueError as exc:
        raise CliError(f"неверная дата --anchor «{args.anchor}»: нужен формат ГГГГ-ММ-ДД") from exc
    if args.cases < 0:
        raise CliError("--cases не может быть отрицательным")
    try:
        result = load_demo(seed=args.seed, n_cases=args.cases, anchor=anchor)
    except DemoError as exc:
        raise CliError(str(exc)) from exc
    print(
        f"Загружен демонстрационный район «{result['municipality']}»: "
        f"поселений {result['settlements']}, обращений и сообщений {result['cases']}, "
        f"сотрудников {result['users']}."
    )
    _print_accounts(result["accounts"])
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    _django()
    from otklik.core.backup import BackupError, backup

    try:
        manifest = backup(Path(args.out))
    except BackupError as exc:
        raise CliError(str(exc)) from exc
    summary = {
        "archive": str(args.out),
        "engine": manifest["engine"],
        "tables": len(manifest["tables"]),
        "rows": sum(t["rows"] for t in manifest["tables"].values()),
        "media_files": manifest["media_files"],
    }
    print(json.dumps(summary, ensure_ascii=False))
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    _django()
    from otklik.core.backup import BackupError, read_manifest, restore

    try:
        manifest = read_manifest(Path(args.archive))
        if not args.yes:
            if not sys.stdin.isatty():
                raise CliError("восстановление заменит все данные установки: подтвердите флагом --yes")
            rows = sum(t["rows"] for t in manifest["tables"].values())
            answer = input(
                f"Заменить все данные копией от {manifest['created_at']} ({rows} строк)? Введите «да»: "
            )
            if answer.strip().lower() != "да":
                raise CliError("восстановление отменено")
        result = restore(Path(args.archive))
    except BackupError as exc:
        raise CliError(str(exc)) from exc
    print(json.dumps({"archive": str(args.archive), **result}, ensure_ascii=False))
    if result["mismatches"]:
        print(
            "otklik: ошибка: после восстановления не совпали таблицы: " + ", ".join(result["mismatches"]),
            file=sys.stderr,
        )
        return 1
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    _django()
    from otklik.cases.retention import purge

    report = purge(dry_run=args.dry_run)
    print(json.dumps({"dry_run": args.dry_run, **report}, ensure_ascii=False))
    return 0


def cmd_createadmin(args: argparse.Namespace) -> int:
    _django()
    from django.contrib.auth import get_user_model
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    password = args.password or os.environ.get("OTKLIK_ADMIN_PASSWORD")
    if not password:
        if not sys.stdin.isatty():
            raise CliError("пароль не задан: укажите --password или переменную OTKLIK_ADMIN_PASSWORD")
        password = getpass.getpass("Пароль: ")
        if password != getpass.getpass("Пароль ещё раз: "):
            raise CliError("пароли не совпадают")
    user_model = get_user_model()
    user = user_model(username=args.username, email=args.email or "")
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise CliError("пароль не подходит: " + " ".join(exc.messages)) from exc
    if user_model.objects.filter(username=args.username).exists():
        raise CliError(f"пользователь «{args.username}» уже существует")
    from django.db import transaction

    from otklik.audit.services import record

    with transaction.atomic():
        admin = user_model.objects.create_superuser(args.username, args.email or "", password)
        record(
            "user.create_admin",
            obj=admin,
            after={"username": admin.username},
            actor_label="otklik createadmin",
        )
    print(f"Создан администратор «{admin.username}».")
    return 0


def _parse_local(value: str, tz: Any, option: str) -> Any:
    from datetime import datetime

    try:
        moment = datetime.fromisoformat(value)
    except ValueError as exc:
        raise CliError(f"неверное значение {option} «{value}»: нужен формат ГГГГ-ММ-ДДTЧЧ:ММ") from exc
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def cmd_deadline(args: argparse.Namespace) -> int:
    _django()
    from django.conf import settings

    from otklik.cases import deadline_engine
    from otklik.core.calendar import CalendarError
    from otklik.org.models import Topic
    from otklik.territory.models import Municipality

    if args.municipality:
        municipality = Municipality.objects.filter(code=args.municipality).first()
        if municipality is None:
            raise CliError(f"муниципальное образование с кодом «{args.municipality}» не найдено")
    else:
        municipality = (
            Municipality.objects.filter(code=settings.OTKLIK_DEFAULT_MUNICIPALITY).first()
            or Municipality.objects.order_by("id").first()
        )
    schedule = deadline_engine.schedule_for(municipality)
    received = _parse_local(args.received, schedule.tz, "--received")
    registered = _parse_local(args.registered, schedule.tz, "--registered") if args.registered else received
    if registered < received:
        raise CliError("--registered не может быть раньше --received")
    topic_code = ""
    if args.topic:
        if not Topic.objects.filter(code=args.topic).exists():
            raise CliError(f"тема «{args.topic}» не найдена")
        topic_code = args.topic
    try:
        dues = deadline_engine.compute(
            municipality,
            args.kind,
            topic_code,
            {"received": received, "registered": registered},
            extended=args.extended,
        )
    except CalendarError as exc:
        raise CliError(str(exc)) from exc
    if not dues:
        raise CliError(f"для вида «{args.kind}» не задано ни одного правила срока")
    for stage, (moment, _rule) in dues.items():
        print(f"{stage}={moment.astimezone(schedule.tz).isoformat()}")
    return 0


def cmd_worker(args: argparse.Namespace) -> int:
    _django()
    from otklik.notifications.worker import run_worker

    if args.interval is not None and args.interval <= 0:
        raise CliError("--interval должен быть положительным числом секунд")
    if not args.once:
        print("Обработчик фоновых задач запущен (остановить — Ctrl+C).", flush=True)
    run_worker(once=args.once, interval=args.interval)
    return 0


def cmd_token_create(args: argparse.Namespace) -> int:
    _django()
    from django.contrib.auth import get_user_model

    from otklik.api.services import issue_token

    user = get_user_model().objects.filter(username=args.user).first()
    if user is None:
        raise CliError(f"пользователь «{args.user}» не найден")
    if args.days is not None and args.days <= 0:
        raise CliError("--days должен быть положительным")
    try:
        obj, token = issue_token(args.name, user, days=args.days)
    except ValueError as exc:
        raise CliError(str(exc)) from exc
    print(
        f"Токен интеграции «{obj.name}» (от имени {user.username}). Сохраните его: он показывается один раз."
    )
    print(token)
    return 0


def cmd_token_list(args: argparse.Namespace) -> int:
    _django()
    from otklik.api.models import ApiToken

    rows = ApiToken.objects.select_related("user").order_by("name")
    if not rows:
        print("Токенов нет.")
    for t in rows:
        state = "действует" if t.is_active else "отозван"
        used = t.last_used_at.isoformat(timespec="minutes") if t.last_used_at else "не использовался"
        print(f"{t.prefix}…  {t.name}  пользователь={t.user.username}  {state}  {used}")
    return 0


def cmd_token_revoke(args: argparse.Namespace) -> int:
    _django()
    from otklik.api.services import revoke_token

    if not revoke_token(args.prefix):
        raise CliError(f"действующий токен с началом «{args.prefix}» не найден")
    print("Токен отозван.")
    return 0


def cmd_tally(args: argparse.Namespace) -> int:
    _django()
    from otklik.analytics.selectors import tally_check
    from otklik.analytics.services import compact_tallies, rebuild_tallies, tally_kept

    if not tally_kept():
        raise CliError(
            "сводку обращений ведёт только PostgreSQL; на SQLite дашборд считает обращения напрямую"
        )
    if args.action == "compact":
        done = compact_tallies()
        print(
            f"Сводка обращений уплотнена: перенесено строк изменений {done['tally_rows_folded']}, "
            f"удалено пустых строк {done['tally_rows_dropped']}."
        )
    elif args.action == "rebuild":
        rows = rebuild_tallies()
        print(f"Сводка обращений пересчитана по обращениям: {rows} строк.")
    else:
        found = tally_check()
        if found["differ"]:
            raise CliError(
                f"сводка расходится с обращениями в {found['differ']} из {found['keys']} ключей "
                "(МО, день, поселение, тема); пересчитайте её: otklik tally rebuild"
            )
        print(f"Сводка обращений сходится с обращениями: ключей {found['keys']}.")
    return 0


def cmd_unlock(args: argparse.Namespace) -> int:
    _django()
    from django.contrib.auth import get_user_model

    from otklik.accounts.services import unlock

    if not get_user_model().objects.filter(username=args.username).exists():
        raise CliError(f"пользователь «{args.username}» не найден")
    removed = unlock(args.username, actor_label="otklik unlock")
    if removed:
        print(f"Блокировка входа для «{args.username}» снята (записей о неудачных попытках: {removed}).")
    else:
        print(f"Вход для «{args.username}» не был заблокирован; неудачных попыток не было.")
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    _django()
    from otklik.intake.imports.cli import cmd_import as run_import

    return run_import(args)


def cmd_report_quarterly(args: argparse.Namespace) -> int:
    """The quarterly report to the regional ЦУР, built as the system (every case), written to --out."""
    try:
        year = int(args.year)
    except ValueError:
        raise CliError(f"неверный год «{args.year}»: нужно число, например 2026") from None
    try:
        quarter = int(args.quarter)
    except ValueError:
        quarter = 0
    if not 1 <= quarter <= 4:
        raise CliError(f"неверный квартал «{args.quarter}»: нужно число от 1 до 4")
    fmt = (args.format or "").lower()
    if fmt not in ("xlsx", "docx", "pdf"):
        raise CliError(f"неверный формат «{args.format}»: нужен xlsx, docx или pdf")
    out = Path(args.out)
    if out.is_dir():
        raise CliError(f"--out «{out}» — это папка: укажите имя файла")
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise CliError(f"папки «{folder}» нет: файл отчёта некуда записать")
    if not os.access(folder, os.W_OK) or (out.exists() and not os.access(out, os.W_OK)):
        raise CliError(f"нет права записи в «{out}»")
    _django()
    from otklik.core.db_router import use_replica
    from otklik.reports.selectors import ReportError
    from otklik.reports.services import quarterly_file
    from otklik.territory.models import Municipality

    municipality = None
    if args.municipality:
        municipality = Municipality.objects.filter(code=args.municipality).first()
        if municipality is None:
            raise CliError(f"муниципальное образование с кодом «{args.municipality}» не найдено")
    try:
        with use_replica():  # the figures from the read replica, if the installation has one
            content, report = quarterly_file(year=year, quarter=quarter, municipality=municipality, fmt=fmt)
    except ReportError as exc:
        raise CliError(str(exc)) from exc
    partial = out.with_name(f".{out.name}.part")
    try:
        partial.write_bytes(content)
        partial.replace(out)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise CliError(f"не удалось записать «{out}»: {exc.strerror or exc}") from exc
    summary = {
        "file": str(out),
        "format": fmt,
        "municipalities": len(report.municipality_sections),
        "received": report.received,
    }
    print(json.dumps(summary, ensure_ascii=False))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    _django()
    _ensure_var_dir()
    from django.conf import settings
    from django.core.management import call_command

    port = args.port or int(os.environ.get("OTKLIK_PORT", "8000"))
    host = args.host or os.environ.get("OTKLIK_HOST", "127.0.0.1")
    if not 0 < port < 65536:
        raise CliError(f"неверный порт {port}")
    if not args.no_migrate:
        call_command("migrate", interactive=False, verbosity=0)
    if args.dev:
        call_command("runserver", f"{host}:{port}", use_reloader=True)
        return 0
    call_command("collectstatic", interactive=False, verbosity=0)
    from gunicorn.app.wsgiapp import WSGIApplication

    workers = args.workers or int(os.environ.get("OTKLIK_WORKERS", "2"))
    print(f"«Отклик» запущен: http://{host}:{port}/  (остановить — Ctrl+C)", flush=True)
    sys.argv = [
        "gunicorn",
        "otklik.wsgi:application",
        "--bind",
        f"{host}:{port}",
        "--workers",
        str(workers),
        "--access-logfile",
        "-",
        "--timeout",
        "120",
    ]
    if settings.DEBUG:
        sys.argv.append("--reload")
    WSGIApplication("%(prog)s [OPTIONS] [APP_MODULE]").run()
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="otklik",
        description="«Отклик» — платформа муниципального центра управления (МЦУ).",
    )
    parser.add_argument("--version", action="version", version=_version())
    sub = parser.add_subparsers(dest="command", metavar="КОМАНДА")
    sub.required = True

    p = sub.add_parser("serve", help="запустить веб-сервер", description="Запустить веб-сервер «Отклика».")
    p.add_argument("--host", help="адрес (по умолчанию OTKLIK_HOST или 127.0.0.1)")
    p.add_argument("--port", type=int, help="порт (по умолчанию OTKLIK_PORT или 8000)")
    p.add_argument("--workers", type=int, help="число рабочих процессов (OTKLIK_WORKERS, по умолчанию 2)")
    p.add_argument("--dev", action="store_true", help="сервер разработки Django с перезагрузкой")
    p.add_argument("--no-migrate", action="store_true", help="не применять миграции перед запуском")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("migrate", help="применить миграции базы данных", description="Применить миграции.")
    p.add_argument("-v", "--verbose", action="store_true", help="подробный вывод")
    p.set_defaults(func=cmd_migrate)

    p = sub.add_parser("demo", help="демонстрационные данные", description="Демонстрационный район.")
    demo_sub = p.add_subparsers(dest="demo_command", metavar="ДЕЙСТВИЕ")
    demo_sub.required = True
    d = demo_sub.add_parser(
        "load",
        help="загрузить демонстрационный район",
        description="Загрузить Котельниковский район: поселения, блоки, сотрудников и обращения за два года.",
    )
    d.add_argument("--seed", type=int, default=2025, help="зерно генератора (по умолчанию 2025)")
    d.add_argument("--cases", type=int, default=2400, help="число обращений (по умолчанию 2400)")
    d.add_argument("--anchor", help="последний день периода, ГГГГ-ММ-ДД (по умолчанию сегодня)")
    d.add_argument("--if-empty", action="store_true", help="загружать, только если база пуста")
    d.set_defaults(func=cmd_demo_load)

    p = sub.add_parser(
        "deadline",
        help="рассчитать сроки по правилам",
        description=(
            "Рассчитать сроки каждого этапа (регистрация, перенаправление, первая реакция, ответ, продление) "
            "по действующим правилам и производственному календарю. Выводит строки «этап=ISO 8601»."
        ),
    )
    p.add_argument("--kind", required=True, choices=["appeal", "message", "incident"], help="вид")
    p.add_argument("--received", required=True, help="момент поступления ГГГГ-ММ-ДДTЧЧ:ММ (местное время)")
    p.add_argument("--registered", help="момент регистрации (по умолчанию — момент поступления)")
    p.add_argument("--municipality", help="код муниципального образования (по умолчанию — основное)")
    p.add_argument("--topic", help="код темы или подтемы, например housing.heating")
    p.add_argument("--extended", action="store_true", help="показать и срок после продления")
    p.set_defaults(func=cmd_deadline)

    p = sub.add_parser(
        "worker",
        help="фоновые задачи: контроль сроков, эскалация, почта, сводки",
        description=(
            "Выполнять очередь фоновых задач и периодические задания: контроль сроков и эскалацию "
            "(каждые OTKLIK_WATCH_INTERVAL секунд), отправку уведомлений по почте, ежедневную сводку "
            "(после OTKLIK_DIGEST_HOUR часов). Несколько обработчиков не выполняют одно задание дважды."
        ),
    )
    p.add_argument("--once", action="store_true", help="выполнить то, что пора, и завершиться")
    p.add_argument("--interval", type=float, help="пауза между проверками, секунд (не больше 30)")
    p.set_defaults(func=cmd_worker)

    p = sub.add_parser(
        "import",
        help="импорт выгрузок ПОС и «Инцидента»",
        description="Импорт выгрузки канала (XLSX или CSV).",
    )
    import_sub = p.add_subparsers(dest="import_channel", metavar="КАНАЛ")
    import_sub.required = True
    for channel, label in (("pos", "ПОС «Госуслуги. Решаем вместе»"), ("incident", "«Медиалогия Инцидент»")):
        i = import_sub.add_parser(
            channel,
            help=f"выгрузка {label}",
            description=(
                f"Импорт выгрузки {label}: XLSX или CSV (UTF-8 или Windows-1251, разделитель «;» или «,»). "
                "Повторный импорт того же файла ничего не дублирует. "
                "Печатает отклонённые строки с причинами, "
                'последней строкой — JSON {"created": N, "updated": N, "unchanged": N, "rejected": N}.'
            ),
        )
        i.add_argument("file", help="путь к файлу выгрузки")
        i.add_argument("--municipality", help="код муниципального образования для всех строк")
        i.add_argument(
            "--workers",
            type=int,
            help="процессов приёма на PostgreSQL (OTKLIK_IMPORT_WORKERS, по умолчанию — число ядер, до 4)",
        )
        i.set_defaults(func=cmd_import, channel=channel)

    from otklik.nlp.cli import add_parsers as add_nlp_parsers

    add_nlp_parsers(sub)

    from otklik.intake.email.cli import add_parser as add_email_parser

    add_email_parser(sub)

    p = sub.add_parser("token", help="токены интеграций для HTTP API", description="Токены HTTP API.")
    token_sub = p.add_subparsers(dest="token_command", metavar="ДЕЙСТВИЕ")
    token_sub.required = True
    t = token_sub.add_parser(
        "create",
        help="выдать токен",
        description="Выдать токен интеграции; он действует от имени пользователя.",
    )
    t.add_argument("--name", required=True, help="название интеграции")
    t.add_argument(
        "--user", required=True, help="технический пользователь, от имени которого действует токен"
    )
    t.add_argument("--days", type=int, help="срок действия, дней (по умолчанию бессрочно)")
    t.set_defaults(func=cmd_token_create)
    t = token_sub.add_parser("list", help="список токенов", description="Список токенов (без секретов).")
    t.set_defaults(func=cmd_token_list)
    t = token_sub.add_parser("revoke", help="отозвать токен", description="Отозвать токен по его началу.")
    t.add_argument("prefix", help="начало токена из `otklik token list`, например otk_AbCdEfGh")
    t.set_defaults(func=cmd_token_revoke)

    p = sub.add_parser(
        "report",
        help="отчёты: квартальный отчёт в региональный ЦУР",
        description="Отчёты «Отклика».",
    )
    report_sub = p.add_subparsers(dest="report_command", metavar="ОТЧЁТ")
    report_sub.required = True
    r = report_sub.add_parser(
        "quarterly",
        help="квартальный отчёт об эффективности работы с обращениями",
        description=(
            "Квартальный отчёт в региональный ЦУР (п. 3.2, пп. 9 Положения о МЦУ) по всем обращениям "
            "установки: по блокам и в целом, с изменением к предыдущему кварталу и к тому же кварталу "
            "прошлого года. Без --municipality в установке с несколькими МО — сводный отчёт по региону "
            "с разделом на каждое МО. Печатает одну строку JSON "
            '{"file": …, "format": …, "municipalities": N, "received": N}.'
        ),
    )
    r.add_argument("--year", required=True, help="год, например 2026")
    r.add_argument("--quarter", required=True, help="квартал: 1, 2, 3 или 4")
    r.add_argument("--municipality", help="код муниципального образования (по умолчанию — все)")
    r.add_argument("--format", required=True, help="xlsx, docx или pdf")
    r.add_argument("--out", required=True, help="файл отчёта, например otchet-2026-q1.xlsx")
    r.set_defaults(func=cmd_report_quarterly)

    p = sub.add_parser(
        "backup",
        help="резервная копия базы и файлов",
        description="Сохранить базу данных, загруженные файлы и контрольные суммы таблиц в архив .tar.gz.",
    )
    p.add_argument("--out", required=True, help="файл архива, например otklik-2026-11-30.tar.gz")
    p.set_defaults(func=cmd_backup)
    p = sub.add_parser(
        "restore",
        help="восстановить из резервной копии",
        description="Заменить базу данных и файлы содержимым архива и сверить таблицы с контрольными суммами",
    )
    p.add_argument("archive", help="архив, сделанный командой otklik backup")
    p.add_argument("--yes", action="store_true", help="не спрашивать подтверждения")
    p.set_defaults(func=cmd_restore)
    p = sub.add_parser(
        "purge",
        help="удалить персональные данные по истечении срока хранения",
        description=(
            "Удалить данные авторов, вложения и немаскированные тексты обращений, закрытых раньше "
            "OTKLIK_PD_RETENTION_DAYS дней назад, и старые записи журналов (OTKLIK_LOG_RETENTION_DAYS)."
        ),
    )
    p.add_argument("--dry-run", action="store_true", help="только посчитать, ничего не удалять")
    p.set_defaults(func=cmd_purge)
    p = sub.add_parser(
        "unlock",
        help="снять блокировку входа",
        description="Снять блокировку входа после неудачных попыток (со всех адресов) и забыть эти попытки.",
    )
    p.add_argument("username", help="имя пользователя")
    p.set_defaults(func=cmd_unlock)
    p = sub.add_parser(
        "tally",
        help="сводка обращений для дашборда (PostgreSQL)",
        description="Сводка обращений по дням, которую читает дашборд: её ведут триггеры базы, а обработчик "
        "фоновых задач уплотняет. compact — уплотнить сейчас; check — сверить с обращениями (код 1 при "
        "расхождении); rebuild — пересчитать заново.",
    )
    p.add_argument("action", choices=["compact", "check", "rebuild"], help="что сделать")
    p.set_defaults(func=cmd_tally)
    p = sub.add_parser(
        "createadmin", help="создать администратора", description="Создать суперпользователя системы."
    )
    p.add_argument("--username", default="admin", help="имя пользователя (по умолчанию admin)")
    p.add_argument("--email", help="адрес эл. почты")
    p.add_argument("--password", help="пароль (или OTKLIK_ADMIN_PASSWORD; иначе будет запрошен)")
    p.set_defaults(func=cmd_createadmin)
    return parser


def _version() -> str:
    from otklik import __version__

    return f"otklik {__version__}"


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except CliError as exc:
        print(f"otklik: ошибка: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("otklik: прервано", file=sys.stderr)
        return 130
    except Exception as exc:
        return _unexpected(exc)


def _unexpected(exc: Exception) -> int:
    from django.db.utils import OperationalError

    reason = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    if isinstance(exc, OperationalError):
        print(f"otklik: ошибка базы данных: {reason}", file=sys.stderr)
    else:
        print(f"otklik: непредвиденная ошибка ({type(exc).__name__}): {reason}", file=sys.stderr)
    if os.environ.get("OTKLIK_DEBUG"):
        raise exc
    return 2


def run(argv: list[str] | None = None) -> Any:  # pragma: no cover - convenience for python -m
    sys.exit(main(argv))


if __name__ == "__main__":  # pragma: no cover
    run()

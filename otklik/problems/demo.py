"""Recurring problems in the demo district: the search for candidates runs once, and the three highest
candidates are confirmed by their block owners, with a root cause and a roadmap — a measure done weeks
ago (so the effect shows), one in progress, one overdue (so the board and the escalation show). The third
is marked resolved a month ago (so the «did the messages stop?» sentence shows). Called at the end of
`otklik demo load`."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from otklik.org.models import Role, RoleAssignment, User
from otklik.problems import services
from otklik.problems.models import Problem, ProblemStatus
from otklik.problems.selectors import problem_rows
from otklik.territory.models import Municipality

#: topic → (cause category, root cause, [(measure, organisation)…])
PLAYBOOK: dict[str, tuple[str, str, list[tuple[str, str]]]] = {
    "waste": (
        "contractor",
        "Региональный оператор сократил число рейсов мусоровоза на отдалённые хутора; график вывоза не "
        "соблюдается, контейнеров на площадках не хватает.",
        [
            (
                "Направить региональному оператору требование о соблюдении графика вывоза ТКО",
                "ООО «Экоцентр»",
            ),
            ("Согласовать дополнительный рейс мусоровоза по вторникам и пятницам", "ООО «Экоцентр»"),
            ("Установить два дополнительных контейнера на площадке", "администрация поселения"),
        ],
    ),
    "housing": (
        "wear",
        "Износ сетей более 70 %: порывы на одном и том же участке, ремонт идёт только аварийный.",
        [
            ("Провести обследование сетей и составить дефектную ведомость", "МУП «Водоканал»"),
            ("Заменить аварийный участок сети", "МУП «Водоканал»"),
            ("Включить капитальный ремонт сетей в муниципальную программу", "отдел ЖКХ администрации"),
        ],
    ),
    "roads": (
        "wear",
        "Покрытие выработало ресурс; ямочный ремонт не проводился два сезона.",
        [
            ("Провести ямочный ремонт участка", "МКУ «Дорожное хозяйство»"),
            ("Включить участок в план ремонта дорог на следующий год", "отдел дорожного хозяйства"),
            ("Установить временные дорожные знаки об опасном участке", "МКУ «Дорожное хозяйство»"),
        ],
    ),
    "energy": (
        "wear",
        "Перегружена трансформаторная подстанция: при росте нагрузки срабатывает защита.",
        [
            ("Направить сетевой организации запрос о замене трансформатора", "ПАО «Россети Юг»"),
            ("Заменить трансформатор на подстанции", "ПАО «Россети Юг»"),
            ("Информировать жителей о плановых отключениях заранее", "администрация поселения"),
        ],
    ),
}
PLAYBOOK.update(
    {
        "energy.gasification": (
            "contractor",
            "Подрядчик программы догазификации срывает сроки: заявки приняты, "
            "газопровод до участков не доведён.",
            [
                (
                    "Запросить у газораспределительной организации график подключений",
                    "АО «Газпром газораспределение»",
                ),
                ("Провести совещание с подрядчиком и жителями", "администрация поселения"),
                ("Подключить домовладения первой очереди", "АО «Газпром газораспределение»"),
            ],
        ),
        "roads.safety": (
            "organisation",
            "Участок у школы не оборудован средствами успокоения движения; "
            "проект организации движения устарел.",
            [
                ("Обследовать участок совместно с ГИБДД", "отдел дорожного хозяйства"),
                ("Установить искусственные неровности и знаки «Дети»", "МКУ «Дорожное хозяйство»"),
                ("Внести участок в проект организации дорожного движения", "отдел дорожного хозяйства"),
            ],
        ),
        "transport": (
            "organisation",
            "Маршрутная сеть не пересматривалась несколько лет: новые микрорайоны и пересадки не учтены.",
            [
                ("Провести обследование пассажиропотока", "отдел транспорта администрации"),
                (
                    "Согласовать с перевозчиком дополнительный рейс",
                    "ИП-перевозчик по муниципальному контракту",
                ),
                ("Изменить схему маршрута и опубликовать новое расписание", "отдел транспорта администрации"),
            ],
        ),
    }
)
FALLBACK = (
    "organisation",
    "Нет ответственного за устранение: обращения каждый раз решаются разово, причина остаётся.",
    [
        ("Назначить ответственного и порядок взаимодействия служб", "администрация района"),
        ("Провести выездное совещание с жителями", "администрация поселения"),
        ("Доложить руководителю МЦУ о результатах", "МЦУ"),
    ],
)
CONFIRMED = 3


def _decider(problem: Problem) -> Any:
    owner = (
        RoleAssignment.objects.filter(role=Role.BLOCK_OWNER, block_id=problem.block_id)
        .select_related("user")
        .first()
    )
    if owner is not None:
        return owner.user
    head = RoleAssignment.objects.filter(role=Role.HEAD, municipality=problem.municipality).first()
    return head.user if head else None


def load_demo_problems(municipality: Municipality, now: datetime) -> dict[str, int]:
    services.propose_candidates(municipality, now=now)
    head = User.objects.filter(roles__role=Role.HEAD, roles__municipality=municipality).first()
    ranked = (
        list(problem_rows(head, tab="candidates", municipality=municipality, now=now)[:30]) if head else []
    )
    top: list[Problem] = []
    for candidate in ranked:  # the highest candidate of each topic, for variety
        if len(top) < CONFIRMED and all(candidate.topic_id != p.topic_id for p in top):
            top.append(candidate)
    today = now.astimezone(municipality.tz).date()
    for i, problem in enumerate(top):
        actor = _decider(problem)
        services.confirm(problem.pk, actor=actor)
        codes = [t.code for t in (problem.subtopic, problem.topic) if t is not None]
        category, cause, measures = next((PLAYBOOK[c] for c in codes if c in PLAYBOOK), FALLBACK)
        services.update_problem(
            problem.pk, actor=actor, title=problem.title, cause_category=category, root_cause=cause
        )
        name = (actor.short_name or actor.username) if actor else "Руководитель МЦУ"
        position = (actor.position or "ответственный за отраслевой блок") if actor else ""
        # Days before the demo's «today»: (start, due, status, done). In work: done 5 weeks ago, in progress,
        # overdue by 5 days. The resolved one: two done before it was resolved, one cancelled.
        resolved = i == CONFIRMED - 1
        plans = (
            [(70, 40, "done", 45), (50, 32, "done", 33), (40, 20, "cancelled", None)]
            if resolved
            else [(60, 30, "done", 35), (20, -20, "in_progress", None), (25, 5, "planned", None)]
        )
        for (title, organisation), (started, due, status, done) in zip(measures, plans, strict=True):
            m = services.add_measure(
                problem.pk,
                services.MeasureData(
                    title=title,
                    responsible_name=name,
                    responsible_position=position,
                    responsible_user=actor,
                    organisation=organisation,
                    start_on=today - timedelta(days=started),
                    due_on=today - timedelta(days=due),
                ),
                actor=actor,
            )
            if status != "planned":
                services.set_measure_status(
                    m.pk,
                    status,
                    actor=actor,
                    evidence="Акт выполненных работ, фотографии до и после." if status == "done" else "",
                    completed_on=today - timedelta(days=done) if done else None,
                    today=today,
                )
        if resolved:
            services.resolve(problem.pk, "Выполнены мероприятия дорожной карты.", actor=actor)
            # The demo tells a story over time: resolved a month before «today».
            Problem.objects.filter(pk=problem.pk).update(resolved_at=now - timedelta(days=30))
    return {
        "candidates": Problem.objects.filter(
            municipality=municipality, status=ProblemStatus.CANDIDATE
        ).count(),
        "confirmed": len(top),
    }

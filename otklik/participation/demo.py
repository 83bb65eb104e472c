"""Participation and publications in the demo district: an open poll with answers, a finished vote with the
platform's counts merged in, a draft; an open discussion with comments waiting for moderation, a finished
one with proposals and the administration's responses; the official pages and a month of the content
plan in every state. Called at the end of `otklik demo load`."""

from __future__ import annotations

import io
import random
from datetime import datetime, timedelta
from typing import Any

from django.core.files.uploadedfile import SimpleUploadedFile

from otklik.org.models import Role, RoleAssignment, Topic, User
from otklik.participation import services
from otklik.participation.codes import VerifiedContact, hash_of
from otklik.participation.models import ModerationReason, PlatformCount, Poll
from otklik.problems.models import Problem, ProblemStatus
from otklik.publications import services as posts
from otklik.publications.models import OfficialPage
from otklik.territory.models import Municipality

PAGES = (
    ("Администрация Котельниковского района", "vk", "https://vk.com/kotelnikovo_adm"),
    ("Администрация Котельниковского района", "ok", "https://ok.ru/kotelnikovo.adm"),
    ("Котельниковский район — официально", "telegram", "https://t.me/kotelnikovo_official"),
    ("Официальный сайт администрации", "site", "https://kotelnikovo-region.ru"),
)
COMMENTS = (
    ("Анна, ул. Ленина", "Площадку у школы № 2 лучше перенести к гаражам: дети ходят мимо контейнеров."),
    ("Сергей Петрович", "На ул. Садовой площадки нет совсем, жители носят мусор за 500 метров."),
    ("житель х. Майоровский", "Просим поставить контейнер для крупногабаритных отходов у въезда в хутор."),
    ("Ольга", "Поддерживаю перенос площадки от школы, это давно нужно сделать."),
    ("Николай", "Площадку на ул. Гагарина нужно огородить: ветер разносит мусор по улице."),
)


def _user(muni: Municipality, role: str) -> User | None:
    assignment = RoleAssignment.objects.filter(municipality=muni, role=role).select_related("user").first()
    return assignment.user if assignment else None


def _resident(n: int) -> VerifiedContact:
    email = f"resident{n}@example.ru"
    return VerifiedContact("email", email, hash_of("email", email), "")


def _document(title: str, lines: list[str]) -> SimpleUploadedFile:
    from docx import Document

    doc = Document()
    doc.add_heading(title, level=1)
    for line in lines:
        doc.add_paragraph(line)
    out = io.BytesIO()
    doc.save(out)
    return SimpleUploadedFile("proekt.docx", out.getvalue())


def _vote(poll: Poll, rng: random.Random, n: int, start: int, at: datetime) -> None:
    settlements = services.allowed_settlements(poll)
    town = max(settlements, key=lambda s: s.population)  # most answers come from the town
    questions = list(poll.questions.prefetch_related("options"))
    for i in range(start, start + n):
        answers = []
        for q in questions:
            options = list(q.options.all())
            if q.kind == "single":
                # The first options are more popular: a poll with a visible result.
                answers.append(
                    services.Answer(q, options=(rng.choices(options, weights=[5, 3, 1][: len(options)])[0],))
                )
            elif q.kind == "multiple":
                answers.append(services.Answer(q, options=tuple(rng.sample(options, rng.randint(1, 2)))))
            elif q.kind == "scale":
                answers.append(services.Answer(q, value=rng.choice([3, 4, 4, 5, 5, 2])))
            elif rng.random() < 0.3:
                answers.append(
                    services.Answer(
                        q, text=rng.choice(("Больше скамеек", "Нужно освещение", "Детская площадка"))
                    )
                )
        settlement = town if rng.random() < 0.6 else rng.choice(settlements)
        services.cast_ballot(
            poll,
            _resident(i),
            settlement=settlement,
            answers=answers,
            ip_hash=f"demo-{i}",
            now=at + timedelta(minutes=7 * (i - start)),
        )


def load_demo_participation(muni: Municipality, now: datetime, seed: int = 2025) -> dict[str, int]:
    rng = random.Random(seed)
    services.sync_moderation_reasons()
    pos = _user(muni, Role.POS_OFFICER)
    head = _user(muni, Role.HEAD)
    smm = _user(muni, Role.INCIDENT_OFFICER) or head
    town = muni.settlements.order_by("-population", "name")[:1]

    # An open poll with a month of answers behind it.
    park = services.create_poll(
        actor=pos,
        municipality=muni,
        title="Благоустройство парка Победы",
        description="В 2027 году парк Победы в г. Котельниково будет благоустроен по программе «Формирование "
        "комфортной городской среды». Расскажите, что для вас важнее.",
        starts_at=now - timedelta(days=5),
        ends_at=now + timedelta(days=9),
    )
    services.add_question(
        park,
        actor=pos,
        text="Часто ли вы бываете в парке?",
        kind="single",
        options=["Каждую неделю", "Раз в месяц", "Почти не бываю"],
    )
    services.add_question(
        park,
        actor=pos,
        text="Что нужно в парке в первую очередь?",
        kind="multiple",
        options=["Освещение", "Скамейки и урны", "Детская площадка", "Спортивная площадка"],
    )
    services.add_question(
        park,
        actor=pos,
        text="Оцените нынешнее состояние парка",
        kind="scale",
        scale_min_label="очень плохо",
        scale_max_label="отлично",
    )
    services.add_question(park, actor=pos, text="Ваши предложения", kind="text", required=False)
    services.publish_poll(park, actor=pos, now=now - timedelta(days=5))
    _vote(Poll.objects.get(pk=park.pk), rng, 48, 0, now - timedelta(days=5))

    # A finished vote, with the platform's counts merged in.
    square = services.create_poll(
        actor=pos,
        municipality=muni,
        kind=Poll.Kind.VOTE,
        title="Название нового сквера на ул. Родина",
        description="Выберите название сквера, который открылся в этом году.",
        starts_at=now - timedelta(days=40),
        ends_at=now - timedelta(days=26),
        settlements=list(town),
    )
    services.add_question(
        square,
        actor=pos,
        text="Как назвать сквер?",
        kind="single",
        options=["Молодёжный", "Юбилейный", "Железнодорожников"],
    )
    services.publish_poll(square, actor=pos, now=now - timedelta(days=40))
    _vote(Poll.objects.get(pk=square.pk), rng, 30, 100, now - timedelta(days=39))
    question = square.questions.get()
    for option, count in zip(question.options.order_by("order"), (41, 17, 25), strict=True):
        PlatformCount.objects.create(
            poll=square, key=f"{question.pk}:{option.pk}::", question=question, option=option, count=count
        )
    services.close_poll(square, actor=pos, now=now - timedelta(days=26))

    services.create_poll(
        actor=pos,
        municipality=muni,
        title="Качество уборки снега зимой",
        starts_at=now + timedelta(days=10),
        ends_at=now + timedelta(days=24),
    )

    # An open discussion: documents, comments published, waiting and rejected.
    scheme = services.create_discussion(
        actor=pos,
        municipality=muni,
        title="Схема размещения контейнерных площадок на 2027 год",
        description="Проект схемы размещения мест (площадок) накопления твёрдых коммунальных отходов в "
        "Котельниковском городском поселении. Предложения принимаются до окончания срока.",
        starts_at=now - timedelta(days=6),
        ends_at=now + timedelta(days=14),
        settlements=list(town),
    )
    services.add_document(
        scheme,
        actor=pos,
        title="Проект схемы размещения площадок ТКО",
        upload=_document(
            "Проект схемы", ["Перечень площадок накопления ТКО на 2027 год.", "Приложение: карта."]
        ),
    )
    scheme = services.publish_discussion(scheme, actor=pos, now=now - timedelta(days=6))
    made = []
    for n, (author, text) in enumerate(COMMENTS):
        made.append(
            services.submit_comment(
                scheme,
                _resident(200 + n),
                author_name=author,
                text=text,
                ip_hash=f"demo-c{n}",
                now=now - timedelta(days=5 - n),
            )
        )
    spam = services.submit_comment(
        scheme,
        _resident(299),
        author_name="Окна",
        text="Пластиковые окна со скидкой 50%! Звоните.",
        ip_hash="demo-spam",
        now=now - timedelta(days=2),
    )
    for c in made[:3]:
        services.moderate_comment(c, actor=pos, publish=True, now=now - timedelta(days=1))
    services.moderate_comment(
        spam,
        actor=pos,
        publish=False,
        reason=ModerationReason.objects.get(code="spam"),
        now=now - timedelta(days=1),
    )

    # A finished discussion with proposals, responses and the conclusion (its protocol is ready).
    rules = services.create_discussion(
        actor=pos,
        municipality=muni,
        title="Правила благоустройства территории",
        description="Проект новой редакции правил благоустройства территории Котельниковского района.",
        starts_at=now - timedelta(days=60),
        ends_at=now - timedelta(days=30),
    )
    rules = services.publish_discussion(rules, actor=pos, now=now - timedelta(days=60))
    first = services.submit_comment(
        rules,
        _resident(300),
        author_name="Ирина",
        text="Обязать управляющие компании убирать наледь с кровель до 10 утра.",
        ip_hash="demo-r1",
        now=now - timedelta(days=50),
    )
    second = services.submit_comment(
        rules,
        _resident(301),
        author_name="Виктор",
        text="Разрешить жителям сажать цветы у подъездов без согласования.",
        ip_hash="demo-r2",
        now=now - timedelta(days=45),
    )
    for c in (first, second):
        services.moderate_comment(c, actor=pos, publish=True, now=now - timedelta(days=44))
    services.close_discussion(rules, actor=pos, now=now - timedelta(days=30))
    for comment, decision, response in (
        (
            first,
            "partly",
            "Срок уборки наледи — в течение суток после её образования; время суток не устанавливается.",
        ),
        (
            second,
            "accepted",
            "Посадка цветов у подъездов разрешается без согласования, если не мешает проходу.",
        ),
    ):
        proposal = services.create_proposal(rules, actor=head, summary=comment.text, comments=[comment])
        services.respond_to_proposal(proposal, actor=head, decision=decision, response=response)
    services.update_discussion(
        rules, actor=head, conclusion="Правила благоустройства приняты с учётом предложений жителей."
    )

    # The official pages and the content plan.
    pages = [
        OfficialPage.objects.create(municipality=muni, name=name, network=network, url=url, order=i)
        for i, (name, network, url) in enumerate(PAGES)
    ]
    topic: Any = Topic.objects.filter(code="improvement").first()
    problem = Problem.objects.filter(municipality=muni, status=ProblemStatus.CONFIRMED).order_by("pk").first()
    plan = (
        ("Итоги голосования: сквер назовут «Молодёжный»", -20, "published"),
        ("Как сдать крупногабаритные отходы", -6, "published"),
        ("Опрос о парке Победы: осталась неделя", 2, "approved"),
        ("График вывоза ТКО на декабрь", 4, "planned"),
        ("Ремонт дороги на ул. Ленина: объезд", 7, "draft"),
        ("Ярмарка выходного дня", 9, "cancelled"),
    )
    for i, (title, days, status) in enumerate(plan):
        post = posts.create_post(
            actor=smm,
            municipality=muni,
            title=title,
            text=f"{title}. Подробности — на официальном сайте администрации.",
            page=pages[i % len(pages)],
            planned_at=now + timedelta(days=days, hours=2),
            topic=topic,
            problem=problem if status == "planned" else None,
        )
        if status == "cancelled":
            posts.transition(post, "cancelled", actor=smm, note="Перенесено на весну")
            continue
        if status == "draft":
            continue
        post = posts.transition(post, "planned", actor=smm)
        if status == "planned":
            continue
        post = posts.transition(post, "approved", actor=head)
        if status == "published":
            posts.mark_published(
                post, actor=smm, url=f"{post.page.url}?w=wall-{post.pk}", now=post.planned_at
            )
    return {"polls": 3, "discussions": 2, "posts": len(plan)}

"""A seeded data set where the right groups are known.

Five real recurring problems in different places and topics, each told in 5–8 differently worded
messages; in the same places and topics, messages about something else (hard negatives); two messages
about the same thing as problem A but in another settlement (a decoy too small to be a group); the
same problem A long before the period; and unrelated noise. Dates are days before NOW.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from otklik.cases.models import Case, Kind
from otklik.org.models import Topic
from otklik.territory.models import Locality, Municipality
from tests.factories import BlockFactory, CaseFactory, LocalityFactory, MunicipalityFactory, SettlementFactory

VLG = ZoneInfo("Europe/Volgograd")
# Friday 20 March 2026, noon in Volgograd.
NOW = datetime(2026, 3, 20, 12, 0, tzinfo=VLG)

# label → (place key, subtopic, [(days ago, text), …])
GROUPS: dict[str, tuple[str, str, list[tuple[int, str]]]] = {
    "A": (
        "mayorovsky",
        "waste.collection",
        [
            (
                3,
                "В хуторе Майоровский уже две недели не вывозят мусор, контейнеры переполнены, "
                "мусор разносит ветер.",
            ),
            (5, "Почему не вывозят ТКО в х. Майоровский? Площадка на улице Центральной завалена отходами."),
            (8, "Мусоровоз не приезжал в Майоровский с начала месяца, баки полные, вокруг свалка."),
            (12, "Не вывозят мусор по улице Садовой в хуторе Майоровском, вонь на всю улицу, крысы."),
            (
                16,
                "Региональный оператор не вывозит мусор у нас в Майоровском, контейнеры не опустошаются "
                "уже третью неделю.",
            ),
            (20, "Прошу организовать вывоз мусора в х. Майоровский, контейнерная площадка переполнена."),
            (33, "Опять не вывезли мусор! Майоровский, улица Центральная, мешки лежат возле контейнеров."),
            (45, "Когда будут вывозить ТКО в Майоровском? Платим исправно, а мусор не забирают."),
        ],
    ),
    "B": (
        "pimeno",
        "roads.repair",
        [
            (10, "На улице Школьной в хуторе Пимено-Черни огромные ямы, машины ломают подвеску."),
            (
                25,
                "Дорога по ул. Школьная разбита, после дождя ямы по колено, школьный автобус еле проезжает.",
            ),
            (35, "Когда отремонтируют дорогу на Школьной? Сплошные ямы и выбоины, ходить невозможно."),
            (
                48,
                "Пимено-Черни, ул. Школьная: асфальт разрушен, глубокие ямы, "
                "прошу включить в план ремонта дорог.",
            ),
            (60, "Ямы на дороге по улице Школьной никто не засыпает уже год, пробил колесо."),
            (70, "Жители улицы Школьной просят отремонтировать дорожное покрытие, ямы и лужи."),
            (85, "Разбитая дорога на Школьной в Пимено-Черни — опасно ездить, дети ходят по обочине в ямах."),
        ],
    ),
    "C": (
        "zakharov",
        "energy.outage",
        [
            (2, "В хуторе Захаров постоянно отключают свет, за неделю три раза без электричества."),
            (9, "Опять нет электроэнергии в Захарове, холодильники размораживаются, когда это закончится?"),
            (15, "Частые отключения электричества в х. Захаров, вчера света не было весь вечер."),
            (40, "Просим разобраться с отключениями света в хуторе Захаров, сетевая компания не отвечает."),
            (70, "Захаров снова без света! Электричество пропадает по несколько раз в день."),
            (80, "Из-за постоянных отключений электроэнергии в Захарове сгорела бытовая техника."),
        ],
    ),
    "D": (
        "nagavskaya",
        "housing.water",
        [
            (1, "В станице Нагавской третий день нет воды в кранах, водоканал ничего не объясняет."),
            (2, "Нагавская: снова отключили холодную воду без предупреждения, набираем из колодца."),
            (4, "Когда дадут воду в ст-це Нагавской? Вода отсутствует с понедельника."),
            (6, "Нет водоснабжения на улице Ленина в Нагавской, а в жару без воды невозможно."),
            (11, "Перебои с водой в станице Нагавская каждую неделю, прошу наладить водоснабжение."),
        ],
    ),
    "E": (
        "town",
        "roads.repair",
        [
            (7, "На улице Ленина в Котельниково огромная яма у дома 15, машины объезжают по встречке."),
            (14, "Ул. Ленина: яма напротив аптеки, уже два колеса пробили, когда заделают?"),
            (21, "Прошу отремонтировать дорогу на улице Ленина возле рынка, сплошные выбоины."),
            (38, "Ямы на Ленина после зимы стали ещё глубже, ездить невозможно."),
            (55, "Когда залатают ямы на улице Ленина? Асфальт разбит от рынка до аптеки."),
        ],
    ),
}

#: The same topic and place as a group, about something else: must stay out of every group.
HARD_NEGATIVES: list[tuple[str, str, int, str]] = [
    (
        "mayorovsky",
        "waste.billing",
        7,
        "Прошу сделать перерасчёт платы за вывоз ТКО: в доме никто не проживает с прошлого года, "
        "квитанции приходят на умершую мать.",
    ),
    (
        "mayorovsky",
        "waste.containers",
        30,
        "Просим установить дополнительную контейнерную площадку на новой улице Молодёжной, "
        "ближайшая очень далеко.",
    ),
    (
        "pimeno",
        "roads.winter",
        50,
        "Зимой не чистят снег на выезде из хутора Пимено-Черни на трассу, машины застревают.",
    ),
    (
        "zakharov",
        "energy.gasification",
        20,
        "Прошу подключить дом к газу по программе догазификации в хуторе Захаров, заявку подали в марте.",
    ),
    # The same subtopic in the same town, another street: a different problem.
    (
        "town",
        "roads.repair",
        12,
        "На улице Мира в Котельниково провал асфальта у школы, огорожен только ветками.",
    ),
    ("town", "roads.repair", 26, "Ул. Мира возле школы № 2: дорога в ямах, дети ходят по проезжей части."),
    (
        "nagavskaya",
        "housing.management",
        3,
        "Управляющая компания не убирает подъезд в доме по улице Ленина в Нагавской, грязь и мусор.",
    ),
]

#: Problem A's words in another settlement: the same topic, too few to be a group, not A's.
DECOYS: list[tuple[str, str, int, str]] = [
    ("pugachevsky", "waste.collection", 4, "Не вывозят мусор в хуторе Пугачёвский, контейнеры переполнены."),
    ("pugachevsky", "waste.collection", 9, "Мусор в Пугачёвском не забирают вторую неделю, баки полные."),
]

#: Problem A before the period (90 days): not part of the candidate.
OLD: list[tuple[str, str, int, str]] = [
    (
        "mayorovsky",
        "waste.collection",
        120,
        "В Майоровском не вывозят мусор уже месяц, контейнеры переполнены.",
    ),
    ("mayorovsky", "waste.collection", 150, "Не вывозят ТКО в хуторе Майоровский, свалка у площадки."),
]

NOISE: list[tuple[str, str, int, str]] = [
    (
        "town",
        "health.appointment",
        6,
        "Прошу помочь записаться к кардиологу в поликлинику, запись закрыта на месяц.",
    ),
    (
        "town",
        "improvement.lighting",
        14,
        "Когда починят фонари на улице Мира в Котельниково, темно идти с работы.",
    ),
    ("town", "transport.schedule", 22, "Автобус до Волгограда отменили, как теперь ездить на работу?"),
    (
        "town",
        "education.kindergarten",
        27,
        "Не можем получить место в детском саду, очередь не двигается второй год.",
    ),
    (
        "mayorovsky",
        "roads.repair",
        18,
        "В Майоровском у въезда в хутор провалился мост через балку, проезд опасен.",
    ),
    (
        "pimeno",
        "social.benefits",
        31,
        "Не пришло пособие на ребёнка за февраль, в соцзащите не могут объяснить.",
    ),
    (
        "zakharov",
        "health.clinic",
        44,
        "В ФАП хутора Захаров нет фельдшера уже полгода, за помощью ездим в город.",
    ),
    (
        "nagavskaya",
        "education.school_bus",
        52,
        "Школьный автобус из Нагавской приходит с опозданием, дети опаздывают на уроки.",
    ),
    (
        "town",
        "improvement.yards",
        63,
        "Во дворе дома 12 по улице Ленина сломаны качели, дети могут пораниться.",
    ),
    ("pugachevsky", "energy.gas", 75, "Низкое давление газа в хуторе Пугачёвский, котёл не включается."),
]

PLACES = {
    # key → (settlement name, locality name, locality kind)
    "mayorovsky": ("Майоровское сельское поселение", "Майоровский", Locality.Kind.KHUTOR),
    "pimeno": ("Пимено-Чернянское сельское поселение", "Пимено-Черни", Locality.Kind.KHUTOR),
    "zakharov": ("Захаровское сельское поселение", "Захаров", Locality.Kind.KHUTOR),
    "nagavskaya": ("Нагавское сельское поселение", "Нагавская", Locality.Kind.STANITSA),
    "pugachevsky": ("Пугачёвское сельское поселение", "Пугачёвский", Locality.Kind.KHUTOR),
    "town": ("Котельниковское городское поселение", "Котельниково", Locality.Kind.TOWN),
}


@dataclass
class Seeded:
    municipality: Municipality
    localities: dict[str, Locality]
    groups: dict[str, list[Case]] = field(default_factory=dict)
    hard_negatives: list[Case] = field(default_factory=list)
    decoys: list[Case] = field(default_factory=list)
    old: list[Case] = field(default_factory=list)
    noise: list[Case] = field(default_factory=list)

    def group_ids(self) -> dict[str, set[int]]:
        return {k: {c.pk for c in v} for k, v in self.groups.items()}


def make_case(
    muni: Municipality,
    locality: Locality,
    subtopic_code: str,
    days: int,
    text: str,
    *,
    now: datetime = NOW,
    **kw,
) -> Case:
    subtopic = Topic.objects.get(code=subtopic_code)
    received = now - timedelta(days=days, hours=days % 5)
    return CaseFactory(
        municipality=muni,
        settlement=locality.settlement,
        locality=locality,
        topic=subtopic.parent,
        subtopic=subtopic,
        text=text,
        kind=kw.pop("kind", Kind.MESSAGE if days % 3 else Kind.APPEAL),
        received_at=received,
        due_at=received + timedelta(days=30),
        **kw,
    )


def seed(muni: Municipality | None = None, now: datetime = NOW) -> Seeded:
    muni = muni or MunicipalityFactory(code="kotelnikovo-test", name="Котельниковский муниципальный район")
    localities = {}
    for i, (key, (settlement, locality, kind)) in enumerate(PLACES.items()):
        s = SettlementFactory(
            municipality=muni,
            name=settlement,
            code=f"{key}-s",
            centre={"type": "Point", "coordinates": [43.0 + 0.1 * i, 47.6 + 0.05 * (i % 3)]},
        )
        localities[key] = LocalityFactory(settlement=s, name=locality, kind=kind)
    blocks = {}
    for code in ("waste", "roads", "energy", "housing"):
        blocks[code] = BlockFactory(municipality=muni, code=f"block-{code}", name=f"Блок {code}")
        blocks[code].topics.add(Topic.objects.get(code=code))

    def case(place: str, subtopic: str, days: int, text: str) -> Case:
        block = blocks.get(subtopic.split(".")[0])  # routed to the topic's block, as registration does
        return make_case(muni, localities[place], subtopic, days, text, now=now, block=block)

    data = Seeded(muni, localities)
    for label, (place, subtopic, items) in GROUPS.items():
        data.groups[label] = [case(place, subtopic, d, t) for d, t in items]
    for target, rows in (
        (data.hard_negatives, HARD_NEGATIVES),
        (data.decoys, DECOYS),
        (data.old, OLD),
        (data.noise, NOISE),
    ):
        target.extend(case(p, s, d, t) for p, s, d, t in rows)
    return data

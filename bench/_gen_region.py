"""The region of `python -m bench.generate`: municipalities, settlements, localities, streets, departments,
blocks, staff and their roles. A few hundred to a few thousand rows: built with the ORM's bulk_create."""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from typing import Any

from otklik.core.geo import point
from otklik.demo import texts

#: Adjective stems for the names of districts, settlements and localities («Берёзов» → «Берёзовский район»,
#: «Берёзовское сельское поселение», «х. Берёзовский», «ст-ца Берёзовская», «с. Берёзовка»).
STEMS = (
    "Берёзов", "Ольхов", "Сосновск", "Луговск", "Кленов", "Дубов", "Ясенев", "Тополев", "Камышов", "Осинов",
    "Ракитин", "Вишнёв", "Калинов", "Рябинов", "Липов", "Грушев", "Ивов", "Садов", "Степнов", "Полев",
    "Озерск", "Родников", "Ключев", "Крутоярск", "Песковатск", "Каменск", "Белогорск", "Краснояр",
    "Зеленодольск", "Новоселов", "Староверов", "Приреченск", "Зареченск", "Нагорьев", "Лесогорск", "Бобров",
    "Ковылёв", "Журавлёв",
    "Соколов", "Орлов", "Голубин", "Лебедев", "Полынов", "Подгорск", "Хопёрск", "Медведицк", "Иловлин",
    "Чирск", "Аксайск", "Курмоярск", "Есаулов", "Атаманск", "Майорск", "Генералов", "Сотников", "Кругловск",
    "Верхнедонск", "Нижнедонск", "Среднедонск", "Горьков", "Придонск", "Малиновск", "Черёмухов", "Терновск",
    "Шиповск", "Ковылин", "Типчаков", "Ерёмин", "Чабрецов", "Бирючин", "Сурков", "Гремячинск", "Ельцов",
)  # fmt: skip


def adj(stem: str, ending: str) -> str:
    """«Берёзов» + «ий» → «Берёзовский»; «Белогорск» + «ое» → «Белогорское»."""
    return (stem if stem.endswith("ск") else stem + "ск") + ending


CITY_NAMES = ("Заречинск", "Светлогорск", "Новодонск", "Краснокаменск", "Приволжск", "Степногорск")
CITY_DISTRICTS = ("Центральный", "Заводской", "Северный", "Южный", "Железнодорожный", "Привокзальный")
REGION = "Условная область (сгенерированные данные)"
TIMEZONE = "Europe/Volgograd"
PASSWORD = "otklik-bench"
_TRANSLIT = dict(
    zip(
        "абвгдеёжзийклмнопрстуфхцчшщъыьэюя",
        [
            "a",
            "b",
            "v",
            "g",
            "d",
            "e",
            "e",
            "zh",
            "z",
            "i",
            "y",
            "k",
            "l",
            "m",
            "n",
            "o",
            "p",
            "r",
            "s",
            "t",
            "u",
            "f",
            "kh",
            "ts",
            "ch",
            "sh",
            "shch",
            "_",
            "y",
            "_",
            "e",
            "yu",
            "ya",
        ],
        strict=True,
    )
)
_TRANSLIT["ъ"] = _TRANSLIT["ь"] = ""


def translit(text: str) -> str:
    out = "".join(_TRANSLIT.get(ch, ch) for ch in text.lower())
    return "".join(ch for ch in out if ch.isascii() and (ch.isalnum() or ch == "-")).strip("-")


@dataclass
class Place:
    """A place cases come from: a locality (or, with locality None, somewhere in the municipality)."""

    muni: int  # index into Region.munis
    settlement_id: int | None
    locality_id: int | None
    label: str  # «х. Берёзовский»
    prefix: str  # «х.»
    settlement_name: str
    is_town: bool
    lon: float
    lat: float
    weight: float
    streets: tuple[str, ...] = ()


@dataclass
class Muni:
    obj: Any  # Municipality
    head: Any  # User
    registrar: Any  # User
    blocks: dict[str, Any] = field(default_factory=dict)  # topic code → Block
    staff: dict[int, list[int]] = field(default_factory=dict)  # block id → user ids answering its cases
    owner_of: dict[int, int] = field(default_factory=dict)  # block id → block owner's user id
    review_blocks: set[int] = field(default_factory=set)
    settlements: list[Any] = field(default_factory=list)


@dataclass
class Region:
    munis: list[Muni]
    places: list[Place]
    users: int
    counts: dict[str, int]


def _populations(rng: random.Random, n: int) -> list[tuple[str, int]]:
    """(kind, population) of n municipalities: a few city okrugs, then districts, skewed (log-normal)."""
    cities = max(1, n // 10) if n >= 3 else 0
    out = []
    for i in range(cities):
        out.append(("city", int(420_000 / (i + 1) ** 1.3 * rng.uniform(0.85, 1.15))))
    for _ in range(n - cities):
        out.append(("district", int(min(95_000, max(7_000, rng.lognormvariate(10.2, 0.55))))))
    return out


def _split(rng: random.Random, total: int, parts: int, skew: float) -> list[int]:
    weights = sorted((rng.paretovariate(skew) for _ in range(parts)), reverse=True)
    s = sum(weights)
    return [max(40, int(total * w / s)) for w in weights]


def build_region(n_munis: int, seed: int, *, first_index: int = 1) -> Region:
    """Create n_munis municipalities with their territory, departments, blocks and staff."""
    from django.contrib.auth.hashers import make_password

    from otklik.demo.services import read_demo_data
    from otklik.org.models import Block, Department, Role, RoleAssignment, Topic, User
    from otklik.territory.models import Locality, Municipality, Settlement, Street

    rng = random.Random(seed * 31 + first_index)
    template = read_demo_data()
    password = make_password(PASSWORD)  # hashed once: argon2 is slow on purpose
    topics = {t.code: t for t in Topic.objects.filter(parent__isnull=True)}
    stems = list(STEMS)
    rng.shuffle(stems)
    counts = dict.fromkeys(("municipalities", "settlements", "localities", "streets", "users"), 0)
    munis: list[Muni] = []
    places: list[Place] = []
    pops = _populations(rng, n_munis)
    cities = 0
    for i, (kind, population) in enumerate(pops):
        index = first_index + i
        if kind == "city":
            city = CITY_NAMES[cities % len(CITY_NAMES)] + (
                f"-{cities // len(CITY_NAMES) + 1}" if cities >= 6 else ""
            )
            cities += 1
            name, code = f"Городской округ город {city}", f"r{index:02d}-{translit(city)}"
        else:
            stem = stems[i % len(stems)]
            name = f"{adj(stem, 'ий')} муниципальный район"
            code = f"r{index:02d}-{translit(stem)}"
            city = stem + "ск" if not stem.endswith("ск") else stem
        lon0 = 42.0 + (index % 6) * 0.9 + rng.uniform(-0.2, 0.2)
        lat0 = 48.0 + (index // 6) * 0.6 + rng.uniform(-0.15, 0.15)
        muni = Municipality.objects.create(
            code=code,
            name=name,
            kind=Municipality.Kind.CITY if kind == "city" else Municipality.Kind.DISTRICT,
            region=REGION,
            timezone=TIMEZONE,
            population=population,
            centre=point(round(lon0, 4), round(lat0, 4)),
        )
        counts["municipalities"] += 1
        m = Muni(obj=muni, head=None, registrar=None)
        # Settlements: the town (the city itself, or the district's centre), then rural ones.
        town_share = rng.uniform(0.82, 0.9) if kind == "city" else rng.uniform(0.3, 0.5)
        n_rural = rng.randint(2, 5) if kind == "city" else rng.randint(6, 16)
        rural_pops = _split(rng, int(population * (1 - town_share)), n_rural, 1.6)
        specs = [("urban", city, int(population * town_share), 1)]
        local_stems = [s for s in stems if s != stem] if kind != "city" else list(stems)
        rng.shuffle(local_stems)
        for j, p in enumerate(rural_pops):
            specs.append(("rural" if kind != "city" else "territory", local_stems[j], p, rng.randint(1, 5)))
        loc_rows: list[tuple[Any, str, str, int, float, float]] = []
        for j, (skind, sname, spop, nloc) in enumerate(specs):
            slon, slat = (
                (lon0, lat0) if j == 0 else (lon0 + rng.uniform(-0.4, 0.4), lat0 + rng.uniform(-0.3, 0.3))
            )
            if skind == "urban":
                title = f"Городское поселение город {sname}" if kind != "city" else f"Город {sname}"
            elif skind == "territory":
                title = f"{adj(sname, 'ий')} территориальный отдел"
            else:
                title = f"{adj(sname, 'ое')} сельское поселение"
            settlement = Settlement.objects.create(
                municipality=muni,
                code=f"s{j:02d}-{translit(sname)}",
                name=title,
                kind=skind if skind != "territory" else Settlement.Kind.TERRITORY,
                population=spop,
                centre=point(round(slon, 4), round(slat, 4)),
            )
            m.settlements.append(settlement)
            counts["settlements"] += 1
            if skind == "urban":
                loc_rows.append((settlement, "town", sname, spop, slon, slat))
                continue
            loc_pops = [int(spop * rng.uniform(0.5, 0.7))]
            if nloc > 1:
                loc_pops += _split(rng, spop - loc_pops[0], nloc - 1, 1.3)
            loc_stems = [sname, *rng.sample([x for x in stems if x != sname], nloc - 1)]
            for k, (lp, ls) in enumerate(zip(loc_pops, loc_stems, strict=True)):
                lkind = (
                    rng.choice(("khutor", "khutor", "stanitsa", "village", "posyolok")) if k else "stanitsa"
                )
                lname = {
                    "khutor": adj(ls, "ий"),
                    "stanitsa": adj(ls, "ая"),
                    "village": adj(ls, "ое") if ls.endswith("ск") else ls + "ка",
                }.get(lkind, adj(ls, "ий"))
                jitter = 0 if k == 0 else 0.08
                loc_rows.append(
                    (
                        settlement,
                        lkind,
                        lname,
                        lp,
                        slon + rng.uniform(-jitter, jitter),
                        slat + rng.uniform(-jitter, jitter),
                    )
                )
        localities = Locality.objects.bulk_create(
            Locality(
                settlement=s,
                kind=lkind,
                name=lname,
                population=lp,
                is_centre=i_loc == 0 or s.pk != loc_rows[i_loc - 1][0].pk,
                location=point(round(lon, 5), round(lat, 5)),
            )
            for i_loc, (s, lkind, lname, lp, lon, lat) in enumerate(loc_rows)
        )
        counts["localities"] += len(localities)
        streets = []
        for loc, (s, lkind, _lname, lp, lon, lat) in zip(localities, loc_rows, strict=True):
            pool = texts.STREETS_TOWN if lkind == "town" else texts.STREETS_RURAL
            own = tuple(dict.fromkeys(pool))[: max(4, min(len(pool), lp // 400))]
            streets += [
                Street(locality=loc, kind=st.split(" ", 1)[0], name=st.split(" ", 1)[1]) for st in own
            ]
            prefix = Locality.Kind(lkind).label
            places.append(
                Place(
                    i,
                    s.pk,
                    loc.pk,
                    f"{prefix} {loc.name}",
                    prefix,
                    s.name,
                    lkind == "town",
                    lon,
                    lat,
                    lp**0.9,
                    own,
                )
            )
        Street.objects.bulk_create(streets)
        counts["streets"] += len(streets)
        # Somewhere in the municipality, the place not given or not recognised (3 %).
        places.append(Place(i, None, None, "", "", "", False, lon0, lat0, population**0.9 * 0.03))
        # Departments, blocks, staff: the demo district's structure, with this municipality's names.
        departments = {}
        for d in template["departments"]:
            dname = d["name"].replace(" (демо)", "")
            if d["kind"] == "settlement":
                dname = f"Администрация: {specs[0][1]}"
            departments[d["code"]] = Department.objects.create(
                municipality=muni,
                code=d["code"],
                name=dname,
                short_name=d["short_name"].replace(" (демо)", ""),
                kind=d["kind"],
            )
        n_review = rng.randint(1, 3)
        review_codes = set(rng.sample([b["code"] for b in template["blocks"]], n_review))
        for b in template["blocks"]:
            block = Block.objects.create(
                municipality=muni,
                code=b["code"],
                name=b["name"],
                department=departments[b["department"]],
                answer_review_required=b["code"] in review_codes,
            )
            block.topics.set([topics[c] for c in b["topics"]])
            for c in b["topics"]:
                m.blocks[c] = block
            if block.answer_review_required:
                m.review_blocks.add(block.pk)
        by_code = {b.code: b for b in m.blocks.values()}
        specialists_per_block = 1 + population // 60_000
        user_specs = []
        for u in template["users"]:
            roles = [r for r in u["roles"] if r["role"] not in ("curator", "observer", "integration")]
            if not roles:
                continue
            copies = specialists_per_block if roles[0]["role"] == Role.SPECIALIST else 1
            for c in range(copies):
                user_specs.append((u["username"] + (f"-{c + 1}" if c else ""), u["position"], roles))
        users = []
        for username, position, _roles in user_specs:
            last, first, patronymic = texts.person(rng)
            users.append(
                User(
                    username=f"{code}.{username}",
                    last_name=last,
                    first_name=first,
                    patronymic=patronymic,
                    position=position,
                    password=password,
                    email=f"{username}@{code}.bench.otklik.invalid",
                    is_staff=username == "head",
                )
            )
        users = User.objects.bulk_create(users)
        counts["users"] += len(users)
        assignments = []
        for user, (username, _position, roles) in zip(users, user_specs, strict=True):
            for r in roles:
                block = by_code.get(r.get("block", ""))
                assignments.append(
                    RoleAssignment(
                        user=user,
                        role=r["role"],
                        municipality=muni,
                        block=block,
                        department=departments.get(r.get("department", "")),
                    )
                )
                if r["role"] == Role.BLOCK_OWNER and block is not None:
                    block.owner = user
                    block.save(update_fields=["owner"])
                    m.owner_of[block.pk] = user.pk
                if r["role"] == Role.SPECIALIST and block is not None:
                    m.staff.setdefault(block.pk, []).append(user.pk)
            if username == "head":
                m.head = user
            if username == "clerk":
                m.registrar = user
        RoleAssignment.objects.bulk_create(assignments)
        munis.append(m)
    # Region-wide staff: the curator, an analyst and the regional centre's observer (once per database).
    for username, role, position in (
        ("region.curator", Role.CURATOR, "Первый заместитель губернатора"),
        ("region.analyst", Role.ANALYST, "Аналитик регионального ЦУР"),
        ("region.observer", Role.OBSERVER, "Специалист регионального ЦУР"),
    ):
        last, first, patronymic = texts.person(rng)
        user, created = User.objects.get_or_create(
            username=username,
            defaults={
                "last_name": last,
                "first_name": first,
                "patronymic": patronymic,
                "position": position,
                "password": password,
                "is_staff": role == Role.CURATOR,
            },
        )
        if created:
            RoleAssignment.objects.create(user=user, role=role)
            counts["users"] += 1
    return Region(munis=munis, places=places, users=counts["users"], counts=counts)

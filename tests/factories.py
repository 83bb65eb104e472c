"""factory_boy factories for the core domain."""

from __future__ import annotations

from datetime import timedelta

import factory
from django.utils import timezone

from otklik.cases.models import Case, Channel, Kind, Status
from otklik.org.models import Block, Department, Role, RoleAssignment, Topic, User
from otklik.territory.models import Locality, Municipality, Settlement


class MunicipalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Municipality

    code = factory.Sequence(lambda n: f"muni{n}")
    name = factory.Sequence(lambda n: f"Муниципальный район № {n}")
    region = "Волгоградская область"
    population = 10000


class SettlementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Settlement

    municipality = factory.SubFactory(MunicipalityFactory)
    code = factory.Sequence(lambda n: f"settlement{n}")
    name = factory.Sequence(lambda n: f"Поселение № {n}")
    kind = Settlement.Kind.RURAL
    population = 1000


class LocalityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Locality

    settlement = factory.SubFactory(SettlementFactory)
    name = factory.Sequence(lambda n: f"Хутор{n}")
    kind = Locality.Kind.KHUTOR
    population = 500


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    municipality = factory.SubFactory(MunicipalityFactory)
    code = factory.Sequence(lambda n: f"dept{n}")
    name = factory.Sequence(lambda n: f"Отдел № {n}")


class BlockFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Block

    municipality = factory.SubFactory(MunicipalityFactory)
    code = factory.Sequence(lambda n: f"block{n}")
    name = factory.Sequence(lambda n: f"Блок № {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    last_name = "Иванова"
    first_name = "Мария"
    patronymic = "Петровна"
    password = factory.PostGenerationMethodCall("set_password", "correct-horse-42")

    @factory.post_generation
    def save_password(self, create, extracted, **kwargs):
        if create:
            self.save()


class RoleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RoleAssignment

    user = factory.SubFactory(UserFactory)
    role = Role.HEAD
    municipality = factory.SubFactory(MunicipalityFactory)


def topic(code: str) -> Topic:
    return Topic.objects.get(code=code)


class CaseFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Case

    municipality = factory.SubFactory(MunicipalityFactory)
    kind = Kind.MESSAGE
    channel = Channel.POS
    text = "Не вывозят мусор с контейнерной площадки уже неделю."
    status = Status.REGISTERED
    received_at = factory.LazyFunction(lambda: timezone.now() - timedelta(days=1))
    due_at = factory.LazyAttribute(lambda o: o.received_at + timedelta(days=14))

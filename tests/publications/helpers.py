"""The content plan's test data: a municipality's official page, its staff, a post."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from otklik.org.models import Role
from otklik.publications import services
from otklik.publications.models import OfficialPage
from tests.factories import RoleFactory


def page(municipality, name="Администрация ВКонтакте", url="https://vk.com/kotelnikovo_adm"):
    return OfficialPage.objects.create(municipality=municipality, name=name, network="vk", url=url)


def staff(municipality, role):
    return RoleFactory(role=role, municipality=municipality).user


def post(municipality, actor=None, *, when=None, **fields):
    actor = actor or staff(municipality, Role.INCIDENT_OFFICER)
    return services.create_post(
        actor=actor,
        municipality=municipality,
        title=fields.pop("title", "Ремонт дороги на ул. Ленина"),
        text=fields.pop(
            "text", "С 1 апреля начинается ремонт дороги на ул. Ленина. Объезд — по ул. Гагарина."
        ),
        page=fields.pop("page", None) or page(municipality),
        planned_at=when or timezone.now() + timedelta(days=1),
        **fields,
    )

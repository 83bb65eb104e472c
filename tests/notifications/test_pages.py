import pytest
from django.urls import reverse

from otklik.notifications.models import Notification
from otklik.notifications.services import notify
from tests.factories import UserFactory


@pytest.mark.django_db
def test_unread_count_shows_in_the_navigation_and_the_list_marks_read(client):
    user = UserFactory()
    other = UserFactory()
    notify(user, "overdue", "a", "Просрочено: ОГ-25-00001", url="/")
    notify(user, "digest", "b", "Сводка на сегодня", "Просрочено (1):")
    notify(other, "overdue", "c", "Чужое уведомление")
    client.force_login(user)
    home = client.get(reverse("home")).content.decode()
    assert 'aria-label="непрочитанных: 2"' in home
    page = client.get(reverse("notifications:list")).content.decode()
    assert "Просрочено: ОГ-25-00001" in page and "Сводка на сегодня" in page
    assert "Чужое уведомление" not in page
    client.post(reverse("notifications:read_all"))
    assert not Notification.objects.filter(user=user, read_at__isnull=True).exists()
    assert Notification.objects.filter(user=other, read_at__isnull=True).exists()
    assert "непрочитанных" not in client.get(reverse("home")).content.decode()


@pytest.mark.django_db
def test_empty_list_explains_what_will_appear(client):
    client.force_login(UserFactory())
    assert "Уведомлений нет" in client.get(reverse("notifications:list")).content.decode()


@pytest.mark.django_db
def test_list_is_paginated(client):
    user = UserFactory()
    for i in range(35):
        notify(user, "overdue", f"k{i}", f"Уведомление {i}")
    client.force_login(user)
    body = client.get(reverse("notifications:list")).content.decode()
    assert "Страница 1 из 2" in body
    assert "Уведомление 34" in body and "Уведомление 0<" not in body

import pytest

from otklik import cli
from otklik.api.models import ApiToken
from otklik.api.services import authenticate
from tests.factories import UserFactory


@pytest.mark.django_db
def test_token_is_shown_once_and_only_its_hash_is_stored(capsys):
    user = UserFactory(username="eds")
    assert cli.main(["token", "create", "--name", "ЕДДС", "--user", "eds"]) == 0
    token = capsys.readouterr().out.strip().splitlines()[-1]
    assert token.startswith("otk_")
    stored = ApiToken.objects.get()
    assert token not in (stored.token_hash, stored.prefix) and stored.prefix == token[:12]
    assert authenticate(token) == user
    assert cli.main(["token", "list"]) == 0
    assert "ЕДДС" in capsys.readouterr().out
    assert cli.main(["token", "revoke", token[:12]]) == 0
    assert authenticate(token) is None


@pytest.mark.django_db
def test_token_for_an_unknown_user_is_refused(capsys):
    assert cli.main(["token", "create", "--name", "X", "--user", "ghost"]) == 1
    assert "не найден" in capsys.readouterr().err


@pytest.mark.django_db
def test_authentication_is_one_statement_and_refuses_inactive_expired_and_unknown():
    from datetime import timedelta

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from otklik.api.services import issue_token

    user = UserFactory(first_name="Ирина")
    obj, token = issue_token("ЕДДС", user)
    ApiToken.objects.filter(pk=obj.pk).update(last_used_at=timezone.now())  # no write this time
    with CaptureQueriesContext(connection) as ctx:
        found = authenticate(token)
    assert found == user and found.first_name == "Ирина" and len(ctx.captured_queries) == 1
    assert authenticate(token + "x") is None and authenticate("") is None and authenticate("Bearer") is None
    type(user).objects.filter(pk=user.pk).update(is_active=False)
    assert authenticate(token) is None
    type(user).objects.filter(pk=user.pk).update(is_active=True)
    ApiToken.objects.filter(pk=obj.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert authenticate(token) is None
    ApiToken.objects.filter(pk=obj.pk).update(expires_at=None, last_used_at=None)
    assert authenticate(token) == user
    assert ApiToken.objects.get(pk=obj.pk).last_used_at is not None  # marked used

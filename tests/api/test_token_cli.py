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

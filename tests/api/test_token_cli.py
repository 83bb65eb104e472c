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
@pytest.mark.parametrize("roles", [0, 1, 3])
def test_authentication_is_one_statement_with_the_roles_and_refuses_inactive_expired_and_unknown(roles):
    from datetime import timedelta

    from django.db import connection
    from django.test.utils import CaptureQueriesContext
    from django.utils import timezone

    from otklik.api.services import issue_token
    from otklik.org.models import Role
    from otklik.org.selectors import role_assignments
    from tests.factories import BlockFactory, MunicipalityFactory, RoleFactory

    user = UserFactory(first_name="Ирина")
    other = UserFactory()
    muni = MunicipalityFactory()
    RoleFactory(user=other, role=Role.HEAD, municipality=muni)  # another user's role: not theirs
    given = [(Role.INTEGRATION, muni.code, None), (Role.HEAD, muni.code, None)][:roles]
    if roles == 3:
        block = BlockFactory(municipality=muni)
        given.append((Role.BLOCK_OWNER, muni.code, block.name))
    for role, _, block_name in given:
        RoleFactory(user=user, role=role, municipality=muni, block=block if block_name else None)
    obj, token = issue_token("ЕДДС", user)
    ApiToken.objects.filter(pk=obj.pk).update(last_used_at=timezone.now())  # no write this time
    role_assignments(other)  # the process's cache of the roles' scopes is built
    with CaptureQueriesContext(connection) as ctx:
        found = authenticate(token)
    assert found == user and found.first_name == "Ирина" and len(ctx.captured_queries) == 1
    with CaptureQueriesContext(connection) as ctx:
        held = [(a.role, a.municipality.code, a.block and a.block.name) for a in role_assignments(found)]
    assert not [q for q in ctx.captured_queries if "org_roleassignment" in q["sql"]]  # not read again
    assert held == sorted(given)  # the roles came with the token, with their scopes, in role order
    fresh = type(user).objects.get(pk=user.pk)  # as the roles' own statement reads them
    assert [(a.pk, a.role) for a in role_assignments(fresh)] == [(a.pk, a.role) for a in found._otklik_roles]
    assert authenticate(token + "x") is None and authenticate("") is None and authenticate("Bearer") is None
    type(user).objects.filter(pk=user.pk).update(is_active=False)
    assert authenticate(token) is None
    type(user).objects.filter(pk=user.pk).update(is_active=True)
    ApiToken.objects.filter(pk=obj.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
    assert authenticate(token) is None
    ApiToken.objects.filter(pk=obj.pk).update(expires_at=None, last_used_at=None)
    assert authenticate(token) == user
    assert ApiToken.objects.get(pk=obj.pk).last_used_at is not None  # marked used

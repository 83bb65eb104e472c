"""schemathesis over the API's own OpenAPI schema, in-process through WSGI, with a valid token: whatever
the generated input, no operation answers 5xx."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, settings
from schemathesis.checks import not_a_server_error

from otklik.api.services import issue_token
from otklik.cases.models import Kind, Status
from otklik.org.models import Role, Topic
from tests.factories import BlockFactory, CaseFactory, MunicipalityFactory, RoleFactory, SettlementFactory


@pytest.fixture
def api_schema(db):
    """The schema over the WSGI application called directly. Like Django's test client, keep the
    request signals from closing the test's connection at the end of each request (on PostgreSQL that
    would end the test's transaction and leave the connection closed)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    from otklik.wsgi import application

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield schemathesis.openapi.from_wsgi("/api/v1/openapi.json", application)
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@pytest.fixture
def token(db):
    """An integration in a municipality with a few cases in different states (ids 1…n are likely picks)."""
    muni = MunicipalityFactory(code="kot")
    SettlementFactory(municipality=muni, code="kot-town")
    block = BlockFactory(municipality=muni)
    block.topics.add(Topic.objects.get(code="roads"))
    user = RoleFactory(role=Role.INTEGRATION, municipality=muni, user__username="eds").user
    for status in (Status.RECEIVED, Status.REGISTERED, Status.ASSIGNED, Status.IN_PROGRESS, Status.CLOSED):
        CaseFactory(municipality=muni, status=status, kind=Kind.MESSAGE)
    CaseFactory(municipality=muni, status=Status.REGISTERED, kind=Kind.APPEAL)
    return issue_token("fuzz", user)[1]


schema = schemathesis.pytest.from_fixture("api_schema")


@schema.parametrize()
@settings(
    max_examples=20,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=list(HealthCheck),
)
def test_api_never_answers_with_a_server_error(case, token):
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=[not_a_server_error])

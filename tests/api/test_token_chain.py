"""Calls authenticated by an API token go through the shorter middleware chain (otklik.wsgi): the same
answer, the same security headers, the same refusals; every other request through the whole chain."""

from __future__ import annotations

import json
from typing import Any
from unittest import mock

import pytest
from django.conf import settings
from django.test import RequestFactory

from otklik import wsgi
from otklik.api.services import issue_token
from otklik.cases.models import Case
from otklik.org.models import Role
from tests.factories import MunicipalityFactory, RoleFactory

pytestmark = pytest.mark.django_db(transaction=True)

SECURITY_HEADERS = ("Content-Security-Policy", "X-Frame-Options", "X-Content-Type-Options", "Referrer-Policy")


def call(
    method: str, path: str, *, token: str = "", body: bytes = b"", auth: str = ""
) -> tuple[int, dict[str, str], bytes]:
    """A request through the WSGI application itself (the environ of Django's RequestFactory), as
    gunicorn hands it over."""
    headers = {"HTTP_AUTHORIZATION": auth or f"Bearer {token}"} if token or auth else {}
    environ = RequestFactory().generic(method, path, body, "application/json", **headers).environ
    got: list[Any] = []
    content = b"".join(
        wsgi.application(environ, lambda status, headers, exc=None: got.append((status, headers)))
    )
    status, response_headers = got[0]
    return int(status.split()[0]), dict(response_headers), content


@pytest.fixture
def token():
    muni = MunicipalityFactory()
    role = RoleFactory(role=Role.INTEGRATION, municipality=muni)
    return issue_token("обмен", role.user)[1]


#: The token chain's own stand-ins for the whole chain's middleware.
STAND_INS = {"otklik.api.middleware.FixedPolicyCSPMiddleware": "csp.middleware.CSPMiddleware"}


def test_the_chain_is_the_whole_one_less_the_sessions_parts():
    whole = settings.MIDDLEWARE
    short = [
        STAND_INS.get(m, m)
        for m in settings.API_TOKEN_MIDDLEWARE
        if m != "otklik.api.middleware.AnonymousUntilTokenMiddleware"
    ]
    assert [m for m in whole if m in short] == short  # the same ones, in the same order
    for kept in ("SecurityMiddleware", "CSPMiddleware", "RejectNulMiddleware", "XFrameOptionsMiddleware"):
        assert any(m.endswith(kept) for m in short)
    for dropped in ("SessionMiddleware", "CsrfViewMiddleware", "AuthenticationMiddleware", "AxesMiddleware"):
        assert not any(m.endswith(dropped) for m in short)


@pytest.mark.parametrize(
    ("path", "auth", "short"),
    [
        ("/api/v1/cases", "Bearer otk_x", True),
        ("/api/v1/cases", "bearer otk_x", True),
        ("/api/v1/cases", "", False),
        ("/api/v1/cases", "Basic eDp5", False),
        ("/cases/", "Bearer otk_x", False),
    ],
)
def test_only_token_calls_of_the_api_take_the_short_chain(path, auth, short):
    environ = {"PATH_INFO": path, **({"HTTP_AUTHORIZATION": auth} if auth else {})}
    assert wsgi.is_token_call(environ) is short


def test_a_token_creates_a_case_with_the_same_headers_as_a_session_call(token):
    body = json.dumps({"text": "Не вывозят мусор с площадки на ул. Ленина"}, ensure_ascii=False).encode()
    status, headers, content = call("POST", "/api/v1/cases", token=token, body=body)
    assert status == 201, content
    created = json.loads(content)
    assert Case.objects.get(pk=created["id"]).registration_number == created["registration_number"] != ""
    for name in SECURITY_HEADERS:
        assert headers.get(name), name
    _, whole_headers, _ = call("GET", "/api/v1/openapi.json")  # the whole chain
    assert {n: headers[n] for n in SECURITY_HEADERS} == {n: whole_headers[n] for n in SECURITY_HEADERS}
    status, _, content = call("GET", f"/api/v1/cases/{created['id']}", token=token)
    assert status == 200 and json.loads(content)["id"] == created["id"]


def test_a_wrong_token_and_nul_are_refused_as_on_the_whole_chain(token):
    assert call("GET", "/api/v1/cases", token=token + "x")[0] == 401
    assert call("GET", "/api/v1/cases", token="otk_nobody")[0] == 401
    body = json.dumps({"text": "Яма на дороге"}, ensure_ascii=False).encode()
    for wrong in (f"Bearer {token}x", "Basic eDp5"):  # a write too: 401, not the session's CSRF refusal
        status, _, content = call("POST", "/api/v1/cases", auth=wrong, body=body)
        assert status == 401 and "Нужна авторизация" in json.loads(content)["detail"], content
    status, _, content = call("POST", "/api/v1/cases", token=token, body=b'{"text": "a\\u0000b"}')
    assert status == 400 and "NUL" in json.loads(content)["detail"]
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("policies", "exempt", "headers"),
    [
        ({"CONTENT_SECURITY_POLICY": {"DIRECTIVES": {"default-src": ["'self'"]}}}, False, ["enforced"]),
        ({"CONTENT_SECURITY_POLICY": {"DIRECTIVES": {"default-src": ["'self'"]}}}, True, []),
        (
            {
                "CONTENT_SECURITY_POLICY": {"DIRECTIVES": {"img-src": ["data:"]}},
                "CONTENT_SECURITY_POLICY_REPORT_ONLY": {"DIRECTIVES": {"script-src": ["'none'"]}},
            },
            False,
            ["enforced", "report"],
        ),
        ({"CONTENT_SECURITY_POLICY": {"EXCLUDE_URL_PREFIXES": ["/api/"], "DIRECTIVES": {}}}, False, []),
        ({"CONTENT_SECURITY_POLICY": None}, False, []),
    ],
)
def test_the_fixed_policy_is_django_csps_for_the_settings_in_force(settings, policies, exempt, headers):
    """The token chain's CSP headers equal what django-csp's own middleware sets for the same settings,
    answer by answer, the settings changed between calls."""
    from csp.middleware import CSPMiddleware
    from django.http import JsonResponse

    from otklik.api.middleware import FixedPolicyCSPMiddleware

    def answer(request):
        response = JsonResponse({"ok": True})
        if exempt:
            response._csp_exempt = response._csp_exempt_ro = True
        return response

    fixed, theirs = FixedPolicyCSPMiddleware(answer), CSPMiddleware(answer)
    request = RequestFactory().get("/api/v1/cases")
    fixed(request)  # built for the settings before the change
    for name, value in policies.items():
        setattr(settings, name, value)
    ours, expected = fixed(request), theirs(RequestFactory().get("/api/v1/cases"))
    names = {"enforced": "Content-Security-Policy", "report": "Content-Security-Policy-Report-Only"}
    assert [k for k, n in names.items() if n in ours] == headers
    assert {n: ours.get(n) for n in names.values()} == {n: expected.get(n) for n in names.values()}


def test_the_fixed_policy_is_built_once_for_many_answers():
    from django.http import JsonResponse

    from otklik.api import middleware

    fixed = middleware.FixedPolicyCSPMiddleware(lambda request: JsonResponse({"ok": True}))
    with mock.patch.object(middleware, "build_policy", wraps=middleware.build_policy) as built:
        answers = [fixed(RequestFactory().get("/api/v1/cases")) for _ in range(20)]
    assert built.call_count == 2  # the enforced policy and the report-only one, once
    assert len({a["Content-Security-Policy"] for a in answers}) == 1

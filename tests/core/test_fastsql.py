"""The hot paths' statements without the ORM's compiler (otklik.core.fastsql) and the rows written together
at a flush (otklik.core.batch): the same rows and instances as the ORM's, on both engines."""

from __future__ import annotations

from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from otklik.audit.models import PersonalDataAccess
from otklik.cases.models import Case, CaseEvent, Status
from otklik.core.batch import COPY_FROM, StatementBatch
from otklik.core.fastsql import insert_returning_pk, prepared_cursor, select
from otklik.org.models import Block, Role, RoleAssignment
from tests.factories import BlockFactory, CaseFactory, MunicipalityFactory, RoleFactory, UserFactory

pytestmark = pytest.mark.django_db


def _fields(obj):
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}


def test_select_gives_the_instances_the_orm_gives():
    case = CaseFactory(
        raw_payload={"Категория": "ЖКХ", "n": 1}, co_authors=[{"name": "Б"}], needs_review=True
    )
    [fast] = select(Case, '"id" = %s', [case.pk])
    orm = Case.objects.get(pk=case.pk)
    assert _fields(fast) == _fields(orm)
    assert fast._state.adding is False and fast._state.db == "default"
    assert select(Case, '"id" = %s', [case.pk + 1000]) == []


def test_role_assignments_carry_their_scopes_and_a_removed_role_counts_at_once():
    from otklik.org.selectors import role_assignments

    muni = MunicipalityFactory()
    block = BlockFactory(municipality=muni)
    user = UserFactory()
    RoleFactory(user=user, role=Role.HEAD, municipality=muni)
    RoleFactory(user=user, role=Role.BLOCK_OWNER, municipality=muni, block=block)
    roles = role_assignments(user)
    assert [(a.role, a.municipality.code, a.block and a.block.name) for a in roles] == [
        (Role.BLOCK_OWNER, muni.code, block.name),
        (Role.HEAD, muni.code, None),
    ]
    roles[0].municipality.name = "изменено"  # a copy: the cached scope is not touched
    fresh = type(user).objects.get(pk=user.pk)
    assert role_assignments(fresh)[0].municipality.name == muni.name
    RoleAssignment.objects.filter(user=user, role=Role.HEAD).delete()
    fresh = type(user).objects.get(pk=user.pk)
    assert [a.role for a in role_assignments(fresh)] == [Role.BLOCK_OWNER]


def test_insert_returning_pk_gives_each_row_its_id_in_batches_past_the_engines_limit():
    # SQLite: several INSERTs (its limit of parameters); PostgreSQL: ids from the sequence, then COPY
    muni = MunicipalityFactory()
    now = timezone.now()
    cases = [
        Case(municipality=muni, kind="message", channel="api", text=f"Текст № {i} (100 %)", received_at=now)
        for i in range(120)  # SQLite takes ~22 rows of a case a statement
    ]
    insert_returning_pk(cases)
    assert len({c.pk for c in cases}) == 120
    assert [c.pk for c in cases] == sorted(c.pk for c in cases)  # in the order given
    for case in (cases[0], cases[57], cases[-1]):
        stored = Case.objects.get(pk=case.pk)
        assert stored.text == case.text and stored.created_at is not None
        assert case._state.adding is False
    later = Case.objects.create(municipality=muni, kind="message", channel="api", text="Ещё", received_at=now)
    assert later.pk > cases[-1].pk  # the sequence moved past the ids taken


@pytest.mark.parametrize("n", [2, COPY_FROM + 5])  # a multi-row INSERT; COPY on PostgreSQL
def test_a_batch_writes_its_rows_at_the_flush_as_the_orm_would(n):
    case = CaseFactory()
    user = UserFactory()
    at = timezone.now() - timedelta(days=1)
    batch = StatementBatch()
    events = [
        CaseEvent(
            case=case, at=at, type=CaseEvent.Type.COMMENT, note=f"«{i}» 50 % o'clock; --", data={"i": i}
        )
        for i in range(n)
    ]
    with transaction.atomic():
        batch.add(events)
        today = timezone.localdate()
        batch.add([PersonalDataAccess(user_id=user.pk, case_id=case.pk, via="api", day=today, at=at)])
        batch.add(
            [PersonalDataAccess(user_id=user.pk, case_id=case.pk, via="api", day=today, at=at)],
            ignore_conflicts=True,
        )
        assert not CaseEvent.objects.filter(case=case).exists()  # nothing before the flush
        with CaptureQueriesContext(connection) as ctx:
            batch.flush()
        assert not batch
    stored = list(CaseEvent.objects.filter(case=case).order_by("pk"))
    assert [(e.note, e.data, e.at) for e in stored] == [(e.note, e.data, e.at) for e in events]
    assert PersonalDataAccess.objects.filter(case=case).count() == 1  # the repeat ignored
    if connection.vendor == "postgresql" and n < COPY_FROM:
        assert len(ctx.captured_queries) == 1  # one round trip for three statements


def test_a_relation_set_before_its_object_was_saved_is_written_with_its_id():
    muni = MunicipalityFactory()
    case = Case(municipality=muni, kind="message", channel="api", text="Текст", received_at=timezone.now())
    event = CaseEvent(case=case, at=timezone.now(), type=CaseEvent.Type.RECEIVED)
    insert_returning_pk([case])
    batch = StatementBatch()
    batch.add([event])
    batch.flush()
    assert CaseEvent.objects.get(case_id=case.pk).type == CaseEvent.Type.RECEIVED


def _comparable(value):
    return getattr(value, "obj", value)  # psycopg's Json/Jsonb wrappers: their content


def test_rows_are_prepared_exactly_as_the_fields_prepare_them():
    from otklik.core.fastsql import _insert_parts, _preparers, _row_values

    muni = MunicipalityFactory()
    aware = timezone.now()
    case = Case(
        municipality=muni,
        kind="message",
        channel="api",
        title="Заголовок",
        text="Текст 100 %",
        received_at=aware,
        answered_at=aware,
        raw_payload={"a": [1, "б"]},
        review_reasons=["topic"],
        is_anonymous=True,
        topic_confidence=0.75,
    )
    case.status = Status.RECEIVED  # a choices member, a str subclass: passed as the field passes it
    case.escalation_level = 2  # an integer field: wrapped for a parameter on PostgreSQL
    for with_pk in (False, True):
        _, _, fields = _insert_parts(Case, connection.vendor)
        if with_pk:
            case.pk = 10**9
            fields = (Case._meta.pk, *fields)
        with mock.patch("django.utils.timezone.now", return_value=aware):  # created_at, updated_at
            expected = [f.get_db_prep_save(f.pre_save(case, True), connection) for f in fields]
            got = _row_values(case, _preparers(Case, connection.vendor, with_pk), connection)
            for_copy = _row_values(case, _preparers(Case, connection.vendor, with_pk, copy=True), connection)
        assert [_comparable(v) for v in got] == [_comparable(v) for v in expected]
        assert [type(v) for v in got] == [type(v) for v in expected]
        assert got[[f.attname for f in fields].index("status")] is Status.RECEIVED
        # For COPY the same values, integers without the wrapper (COPY's text writes them the same).
        assert [_comparable(v) for v in for_copy] == [_comparable(v) for v in expected]
        wrapped = [
            isinstance(v, int) and type(v) is not bool for v in expected
        ]  # Int2/Int4/Int8 on PostgreSQL
        assert [type(v) for v in for_copy] == [
            int if w else type(v) for v, w in zip(expected, wrapped, strict=True)
        ]


def _built(obj):
    """An instance's fields, its related objects' cache and its state, for comparing two constructions."""
    return (_fields(obj), dict(obj._state.fields_cache), obj._state.adding, obj._state.db)


@pytest.mark.parametrize(
    ("model_name", "values", "related_names"),
    [
        ("Case", {"kind": "message", "text": "Текст", "title": "Т"}, ["municipality"]),
        ("Case", {"raw_payload": {"a": 1}, "review_reasons": ["topic"], "topic_id": None}, []),
        ("CaseEvent", {"type": "received", "note": "Канал", "data": {"x": [1]}}, ["case", "actor"]),
        ("CaseDeadline", {"stage": "answer", "rule_text": "30 дней"}, ["case"]),
        ("Answer", {"text": "Ответ"}, ["case"]),
        ("Rating", {"satisfied": True, "score": 5, "source": "pos"}, ["case"]),
        ("AuditEvent", {"action": "intake.batch", "object_id": "7", "after": {"created": [1]}}, ["actor"]),
        ("AuditEvent", {"action": "api.token_issue", "before": None}, ["user_actor"]),
        ("PersonalDataAccess", {"via": "api", "day": timezone.localdate()}, ["user", "case"]),
    ],
)
def test_new_builds_the_instance_the_constructor_builds(model_name, values, related_names):
    from django.apps import apps

    from otklik.core.fastsql import new

    app = {"Rating": "quality", "AuditEvent": "audit", "PersonalDataAccess": "audit"}.get(model_name, "cases")
    model = apps.get_model(app, model_name)
    saved = CaseFactory()
    user = UserFactory()
    targets = {"municipality": saved.municipality, "case": saved, "actor": None, "user": user}
    related = {name: targets[name] for name in related_names if name != "user_actor"}
    if "user_actor" in related_names:
        related["actor"] = user
    fast, orm = new(model, dict(values), related), model(**values, **related)
    assert _built(fast) == _built(orm)
    if "case" in related:  # the related object's id, and its cache, as the constructor gives them
        assert fast.case_id == saved.pk and fast.case is saved


def test_new_refuses_what_the_constructor_refuses():
    from otklik.core.fastsql import new

    with pytest.raises(TypeError, match="неизвестные поля"):
        new(Case, {"no_such_field": 1})
    with pytest.raises(ValueError):
        new(CaseEvent, {}, {"case": MunicipalityFactory()})


def test_new_gives_each_instance_its_own_mutable_defaults():
    from otklik.core.fastsql import new

    first, second = new(Case, {}), new(Case, {})
    first.raw_payload["x"] = 1
    first.review_reasons.append("topic")
    assert second.raw_payload == {} and second.review_reasons == []
    assert Case().raw_payload == {} and Case().review_reasons == []


def test_new_falls_back_to_the_constructor_for_models_it_cannot_build():
    from otklik.cases.models import Attachment
    from otklik.core.fastsql import _blueprint, new

    assert _blueprint(Attachment) is None  # a file field's descriptor has a setter
    attachment = new(Attachment, {"name": "a.pdf"})
    assert attachment.name == "a.pdf" and not attachment.file


def test_new_with_an_unsaved_related_object_marks_both_as_the_constructor_does():
    from otklik.core.fastsql import new

    fast_case, orm_case = Case(), Case()
    fast = new(CaseEvent, {"type": "received"}, {"case": fast_case})
    orm = CaseEvent(type="received", case=orm_case)
    assert _built(fast) == (_fields(orm), {"case": fast_case}, True, orm._state.db)
    assert fast.case_id is None and fast_case._state.db == orm_case._state.db == "default"


def test_select_related_with_children_gives_each_instance_the_rows_of_its_related_object():
    from otklik.core.fastsql import select_related_with

    muni, lonely = MunicipalityFactory(), MunicipalityFactory()
    cases = [CaseFactory(municipality=muni), CaseFactory(municipality=muni), CaseFactory(municipality=lonely)]
    blocks = [BlockFactory(municipality=muni), BlockFactory(municipality=muni)]
    found = select_related_with(
        Case,
        "municipality",
        '"cases_case"."id" IN (%s, %s, %s)',
        [c.pk for c in cases],
        children=(Block, "municipality"),
    )
    got = {case.pk: (case.municipality.pk, sorted(b.pk for b in children)) for case, children in found}
    assert got == {
        cases[0].pk: (muni.pk, sorted(b.pk for b in blocks)),
        cases[1].pk: (muni.pk, sorted(b.pk for b in blocks)),
        cases[2].pk: (lonely.pk, []),  # no block: no child, not a row of NULLs
    }
    child = next(children for case, children in found if children)[0]
    assert _fields(child) == _fields(Block.objects.get(pk=child.pk)) and child._state.adding is False
    assert [
        len(c) for _, c in select_related_with(Case, "municipality", '"cases_case"."id" = %s', [cases[0].pk])
    ] == [0]


def test_select_related_gives_the_instances_and_related_objects_the_orm_gives():
    from otklik.core.fastsql import select_related

    case = CaseFactory(raw_payload={"a": 1}, needs_review=True)
    CaseFactory()  # another row the condition leaves out
    [fast] = select_related(Case, "municipality", '"cases_case"."id" = %s', [case.pk])
    orm = Case.objects.select_related("municipality").get(pk=case.pk)
    assert _fields(fast) == _fields(orm)
    assert _fields(fast.municipality) == _fields(orm.municipality)
    with CaptureQueriesContext(connection) as ctx:
        assert fast.municipality.name == orm.municipality.name  # cached: no query
    assert ctx.captured_queries == []
    assert fast._state.adding is False and fast.municipality._state.db == "default"


def _prepared(fragment):
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement, generic_plans + custom_plans FROM pg_prepared_statements "
            "WHERE statement LIKE %s",
            [f"%{fragment}%"],
        )
        return cursor.fetchall()


def test_the_token_and_the_roles_are_read_by_statements_prepared_once_a_connection():
    from otklik.api.services import authenticate, issue_token

    user = UserFactory()
    RoleFactory(user=user, role=Role.INTEGRATION)
    _, token = issue_token("обмен", user)
    for _ in range(3):
        assert authenticate(token) == user
        assert [a.role for a in select(RoleAssignment, '"user_id" = %s', [user.pk])] == [Role.INTEGRATION]
    assert authenticate(token + "x") is None
    if connection.vendor == "postgresql":
        [(statement, runs)] = _prepared('"api_apitoken"."token_hash" = $1')
        assert statement.startswith('SELECT "api_apitoken"."id"') and runs == 4  # planned once, run 4 times
        assert 'LEFT JOIN "org_roleassignment"' in statement  # the roles come with the token
        [(_, runs)] = _prepared('FROM "org_roleassignment" WHERE "user_id" = $1')
        assert runs == 3
    else:
        with prepared_cursor() as cursor:
            assert "sqlite" in type(cursor.cursor).__module__


def test_prepared_statements_survive_a_rolled_back_savepoint_and_can_be_turned_off():
    case = CaseFactory()
    assert [c.pk for c in select(Case, '"id" = %s', [case.pk])] == [case.pk]
    with pytest.raises(RuntimeError), transaction.atomic():
        select(Case, '"id" = %s', [case.pk])
        raise RuntimeError  # ROLLBACK TO SAVEPOINT: psycopg forgets what it prepared
    assert [c.pk for c in select(Case, '"id" = %s', [case.pk])] == [case.pk]  # prepared anew
    with override_settings(OTKLIK_PG_PREPARED_STATEMENTS=False):
        with prepared_cursor() as cursor, connection.cursor() as ordinary:
            assert type(cursor.cursor) is type(ordinary.cursor)  # the ordinary cursor
        before = _prepared("") if connection.vendor == "postgresql" else []
        assert [c.pk for c in select(Case, '"id" = %s', [case.pk])] == [case.pk]
        after = _prepared("") if connection.vendor == "postgresql" else []
    assert len(after) == len(before)


def test_a_prepared_statement_is_in_the_query_log():
    with CaptureQueriesContext(connection) as queries:
        select(Case, '"id" = %s', [0])
    [query] = queries.captured_queries
    assert 'FROM "cases_case" WHERE "id" =' in query["sql"]


def test_a_long_statement_is_split_once_and_bound_as_psycopgs_own_cursor_binds_it():
    """psycopg splits a statement of over 50 placeholders anew at every call (its cache leaves them out);
    the prepared cursor keeps the split of its few statements, and binds the same values the same way."""
    values = [*range(60), "50 % o'clock; --", None, "ёлка"]
    sql = "SELECT " + ", ".join(["%s"] * len(values))
    with prepared_cursor() as cursor:
        for _ in range(3):
            cursor.execute(sql, values)
            assert list(cursor.fetchone()) == values
    if connection.vendor == "postgresql":
        from otklik.core.fastsql import _preparing_cursor_parts

        cache = _preparing_cursor_parts()[0]._query_cls.converted
        before = cache.cache_info().hits
        with prepared_cursor() as cursor:
            cursor.execute(sql, values)
            assert list(cursor.fetchone()) == values
        assert cache.cache_info().hits == before + 1

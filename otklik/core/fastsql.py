"""Statements of the hottest paths (an API call's token and roles, a case's INSERT) without the ORM's
query compiler.

The compiler builds every statement anew from the query's expression tree: a SELECT with a join and a
default ordering costs 3–5 ms of Python on a slow core, more than the database spends on it. The
statements here are built once per model from its `_meta` (the same columns, the same quoting) and the
rows turned into instances by `Model.from_db`, as the ORM itself does; values are prepared by the
fields' own `pre_save`/`get_db_prep_save` (skipped for the plain values that those give back
unchanged: a string of a CharField, an aware datetime on PostgreSQL…). Only plain statements on one
table (or one table and the object of one foreign key) are built here: anything more belongs to the ORM.

`new` builds the unsaved instances of an import's rows without the model constructor's field-by-field
work, into the same instance the constructor makes.
"""

from __future__ import annotations

import inspect
from datetime import datetime
from functools import cache, lru_cache
from typing import Any, TypeVar

from django.conf import settings
from django.db import connections, models, router
from django.db.models import Model, signals
from django.db.models.base import ModelState
from django.db.models.fields.related_descriptors import (
    ForeignKeyDeferredAttribute,
    ForwardManyToOneDescriptor,
)

M = TypeVar("M", bound=Model)


Blueprint = tuple[dict[str, Any], tuple[tuple[str, Any], ...], frozenset[str]]


@cache
def _blueprint(model: type[Model]) -> Blueprint | None:
    """What `new` needs of a model: the defaults that are constants (as `Field.get_default` gives them, the
    same object each time, as Django's own constructor shares them), the fields whose default is made
    anew for each instance, and the names a caller may set. None when the model's constructor does more
    than set its fields: receivers of `pre_init`/`post_init`, or a field whose attribute is a descriptor
    with a setter (a file field), other than a foreign key's."""
    if signals.pre_init.has_listeners(model) or signals.post_init.has_listeners(model):
        return None
    constant: dict[str, Any] = {}
    made: list[tuple[str, Any]] = []
    for f in model._meta.concrete_fields:
        attribute = inspect.getattr_static(model, f.attname, None)
        if hasattr(type(attribute), "__set__") and type(attribute) is not ForeignKeyDeferredAttribute:
            return None
        if (f.has_default() and callable(f.default)) or (not f.has_default() and f.has_db_default()):
            made.append((f.attname, f.get_default))
        else:
            constant[f.attname] = f.get_default()
    for f in model._meta.concrete_fields:
        descriptor = inspect.getattr_static(model, f.name, None)
        if f.is_relation and type(descriptor) is not ForwardManyToOneDescriptor:
            return None
    return constant, tuple(made), frozenset(f.attname for f in model._meta.concrete_fields)


def new(model: type[M], values: dict[str, Any], related: dict[str, Model | None] | None = None) -> M:
    """An unsaved instance, as `model(**values, **related)` makes it, without the constructor's field by
    field work (a third of an import's time in building rows went to it): `values` by attribute name
    (`case_id`, not `case`), `related` the objects of foreign keys by field name (their ids taken now,
    or at the INSERT if they have none yet). Models whose constructor does more than that are built by
    it."""
    blueprint = _blueprint(model)
    if blueprint is None:
        return model(**values, **(related or {}))
    constant, made, names = blueprint
    if not values.keys() <= names:
        raise TypeError(f"{model.__name__}: неизвестные поля {sorted(values.keys() - names)}")
    obj = model.__new__(model)
    state = ModelState()
    fields = obj.__dict__
    fields["_state"] = state
    fields.update(constant)
    for name, make in made:
        fields[name] = make()
    fields.update(values)
    if related:
        cache = state.fields_cache
        for name, target in related.items():
            field = model._meta.get_field(name)
            if target is not None:  # as the relation's descriptor does on assignment
                if not isinstance(target, field.remote_field.model):
                    raise ValueError(
                        f"{model.__name__}.{name}: {target!r} — не {field.remote_field.model.__name__}"
                    )
                if state.db is None:
                    state.db = router.db_for_write(model, instance=target)
                if target._state.db is None:
                    target._state.db = router.db_for_write(type(target), instance=obj)
            fields[field.attname] = None if target is None else target.pk
            cache[name] = target
    return obj


@cache
def _preparing_cursor_parts() -> tuple[type, Any]:
    """Django's server-binding psycopg cursor whose every statement is prepared on the connection, and a
    function that registers the connection's time zone on a cursor when the adapters' differs (as
    Django's own `create_cursor`). Imported once: only PostgreSQL's backend has them."""
    from django.db.backends.postgresql.base import TIMESTAMPTZ_OID, ServerBindingCursor
    from django.db.backends.postgresql.psycopg_any import register_tzloader
    from psycopg._queries import PostgresQuery, _query2pg_nocache
    from psycopg.pq import Format

    # psycopg splits a statement into its text and placeholders in Python at every call when it has over
    # 50 placeholders or 4 KB (its cache leaves those out: an ORM makes too many shapes of them). This
    # cursor's statements are few shapes run again and again — a created case's one statement has ~100
    # values —, so their splits are kept.
    split = lru_cache(maxsize=256)(_query2pg_nocache)

    class SplitOnceQuery(PostgresQuery):  # type: ignore[misc]
        converted = staticmethod(split)

        def convert(self, query: Any, vars: Any) -> None:
            if vars is None or not isinstance(query, str | bytes):
                super().convert(query, vars)
                return
            parts = self.converted(self._ensure_bytes(query), self._tx.encoding)
            self.query, self._want_formats, self._order, self._parts = parts
            self.dump(vars)

    class PreparingCursor(ServerBindingCursor):  # type: ignore[misc, valid-type]
        _query_cls = SplitOnceQuery

        def execute(self, query: Any, params: Any = None, *, prepare: bool | None = None, **kw: Any) -> Any:
            return super().execute(query, params, prepare=True if prepare is None else prepare, **kw)

        def _convert_query(self, query: Any, params: Any = None) -> Any:
            # Kept as psycopg's client-side cursor keeps it: Django's query log reads `_query.query`
            # (the statement with its $n placeholders here).
            self._query = super()._convert_query(query, params)
            return self._query

    def with_time_zone(connection: Any, cursor: Any) -> None:
        tzloader = connection.connection.adapters.get_loader(TIMESTAMPTZ_OID, Format.TEXT)
        if connection.timezone != tzloader.timezone:
            register_tzloader(connection.timezone, cursor)

    return PreparingCursor, with_time_zone


def prepared_cursor(using: str = "default") -> Any:
    """A cursor for the few statements that every request runs, in the same shape each time.

    On PostgreSQL (unless `OTKLIK_PG_PREPARED_STATEMENTS` is off) its statements are prepared on the
    connection the first time and then only bound and executed: the server parses and plans each once per
    connection instead of once per call (the token's SELECT: 0.21 → 0.07 ms of the server's CPU).
    Parameters go separately from the statement (server-side binding), so the statement must be one
    statement with %s placeholders whose types the server can infer. psycopg keeps up to 100 of them
    a connection (the least used are deallocated). Elsewhere, the ordinary cursor."""
    connection = connections[using]
    if connection.vendor != "postgresql" or not settings.OTKLIK_PG_PREPARED_STATEMENTS:
        return connection.cursor()
    cursor_class, with_time_zone = _preparing_cursor_parts()
    connection.close_if_health_check_failed()
    connection.ensure_connection()
    with connection.wrap_database_errors:
        cursor = cursor_class(connection.connection)
        with_time_zone(connection, cursor)
        return connection._prepare_cursor(cursor)


@cache
def _select_prefix(model: type[Model], vendor: str) -> tuple[str, tuple[str, ...]]:
    qn = connections["default"].ops.quote_name
    fields = model._meta.concrete_fields
    columns = ", ".join(f"{qn(model._meta.db_table)}.{qn(f.column)}" for f in fields)
    return f"SELECT {columns} FROM {qn(model._meta.db_table)}", tuple(f.attname for f in fields)


def select(model: type[M], where: str, params: list[Any], *, using: str = "default") -> list[M]:
    """Instances of `model` whose rows match `where` (SQL with %s placeholders, columns quoted by the
    caller where needed), in no particular order."""
    connection = connections[using]
    prefix, _ = _select_prefix(model, connection.vendor)
    with prepared_cursor(using) as cursor:
        cursor.execute(f"{prefix} WHERE {where}", params)
        rows = cursor.fetchall()
    return [_instance(model, row, using) for row in rows]


@cache
def _joined_prefix(
    model: type[Model], relation: str, vendor: str, children: tuple[type[Model], str] | None = None
) -> tuple[str, Any, Any, int, int]:
    """The statement's start; the relation's field and model; where the row holds the instance's id and
    the child's (counted from the child's first column)."""
    qn = connections["default"].ops.quote_name
    field = model._meta.get_field(relation)
    target = field.remote_field.model
    own, theirs = qn(model._meta.db_table), qn(target._meta.db_table)
    columns = [f"{own}.{qn(f.column)}" for f in model._meta.concrete_fields]
    columns += [f"{theirs}.{qn(f.column)}" for f in target._meta.concrete_fields]
    join = f"{theirs}.{qn(target._meta.pk.column)} = {own}.{qn(field.column)}"
    sql = f"INNER JOIN {theirs} ON {join}"
    child_pk = 0
    if children is not None:
        child, key = children
        table, column = qn(child._meta.db_table), qn(child._meta.get_field(key).column)
        columns += [f"{table}.{qn(f.column)}" for f in child._meta.concrete_fields]
        child_pk = list(child._meta.concrete_fields).index(child._meta.pk)
        sql += f" LEFT JOIN {table} ON {table}.{column} = {theirs}.{qn(target._meta.pk.column)}"
    own_pk = list(model._meta.concrete_fields).index(model._meta.pk)
    return f"SELECT {', '.join(columns)} FROM {own} {sql}", field, target, own_pk, child_pk


def select_related(
    model: type[M], relation: str, where: str, params: list[Any], *, using: str = "default"
) -> list[M]:
    """As `select`, with the object of the foreign key `relation` read by the same statement (an inner
    join, as the ORM's `select_related` of a required key) and cached on each instance. `where` names
    its columns with their tables."""
    return [obj for obj, _ in select_related_with(model, relation, where, params, using=using)]


def select_related_with(
    model: type[M],
    relation: str,
    where: str,
    params: list[Any],
    *,
    children: tuple[type[Model], str] | None = None,
    using: str = "default",
) -> list[tuple[M, list[Any]]]:
    """As `select_related`, each instance with the rows of `children` — (a model, its foreign key to the
    related object) — that point at its related object, read by the same statement (a LEFT JOIN: one row
    per child); [] for none, or when no children are asked for. Meant for a handful of children an
    instance (a user's roles with the API token that authenticates them)."""
    connection = connections[using]
    prefix, field, target, own_pk, child_pk = _joined_prefix(model, relation, connection.vendor, children)
    with prepared_cursor(using) as cursor:
        cursor.execute(f"{prefix} WHERE {where}", params)
        rows = cursor.fetchall()
    split = len(model._meta.concrete_fields)
    middle = split + len(target._meta.concrete_fields)
    out: dict[Any, tuple[M, list[Any]]] = {}
    for row in rows:
        found = out.get(row[own_pk])
        if found is None:
            obj = _instance(model, row[:split], using)
            field.set_cached_value(obj, _instance(target, row[split:middle], using))
            found = out[row[own_pk]] = (obj, [])
        if children is not None and row[middle + child_pk] is not None:  # no child: a row of NULLs
            found[1].append(_instance(children[0], row[middle:], using))
    return list(out.values())


def _instance(model: type[M], values: Any, using: str) -> M:
    """An instance of a row read from the database, its values converted as the ORM converts them."""
    converters = _converters(model, connections[using].vendor)
    if converters:
        values = list(values)
        for i, convert in converters:
            values[i] = convert(values[i])
    return model.from_db(using, _select_prefix(model, connections[using].vendor)[1], values)


@cache
def _converters(model: type[Model], vendor: str) -> tuple[tuple[int, Any], ...]:
    """The backend's converters of the model's columns (SQLite's dates, booleans and JSON come back as
    text and integers), as the ORM applies them to a result."""
    connection = connections["default"]
    found = []
    for i, field in enumerate(model._meta.concrete_fields):
        expression = field.get_col(model._meta.db_table)
        functions = connection.ops.get_db_converters(expression) + expression.get_db_converters(connection)
        if functions:
            found.append((i, _chain(functions, expression, connection)))
    return tuple(found)


def _chain(functions: list[Any], expression: Any, connection: Any) -> Any:
    def convert(value: Any) -> Any:
        for function in functions:
            value = function(value, expression, connection)
        return value

    return convert


@cache
def _insert_parts(model: type[Model], vendor: str) -> tuple[str, str, tuple[Any, ...]]:
    qn = connections["default"].ops.quote_name
    fields = tuple(f for f in model._meta.concrete_fields if not f.primary_key)
    head = f"INSERT INTO {qn(model._meta.db_table)} ({', '.join(qn(f.column) for f in fields)}) VALUES "
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    return head, row, fields


#: Field classes (exactly these, not subclasses) whose `get_db_prep_save` gives back a value of these
#: types unchanged: such values skip the call (a third of an import's row-building time).
_PLAIN_TYPES = {
    models.CharField: (str,),
    models.TextField: (str,),
    models.EmailField: (str,),
    models.URLField: (str,),
    models.SlugField: (str,),
    models.IntegerField: (int,),
    models.PositiveIntegerField: (int,),
    models.PositiveSmallIntegerField: (int,),
    models.SmallIntegerField: (int,),
    models.BigIntegerField: (int,),
    models.AutoField: (int,),
    models.BigAutoField: (int,),
    models.BooleanField: (bool,),
    models.ForeignKey: (int,),
    models.OneToOneField: (int,),
}

_WRAPPED_ON_POSTGRESQL = {
    models.IntegerField,
    models.PositiveIntegerField,
    models.PositiveSmallIntegerField,
    models.SmallIntegerField,
    models.BigIntegerField,
}


#: Field classes whose `get_db_prep_save` gives back any str — a choices member (a str subclass) too —
#: unchanged.
_TEXT_FIELDS = {models.CharField, models.TextField, models.EmailField, models.URLField, models.SlugField}


@cache
def _preparers(
    model: type[Model], vendor: str, with_pk: bool, copy: bool = False
) -> tuple[tuple[Any, Any, bool, bool], ...]:
    """(field, the value types it passes unchanged, whether its pre_save is a plain attribute read,
    whether any str passes). `copy`: for PostgreSQL's COPY, whose text format writes an integer the same
    with or without the Int2/Int4/Int8 wrapper Django gives a parameter."""
    _, _, fields = _insert_parts(model, vendor)
    if with_pk:
        fields = (model._meta.pk, *fields)
    out = []
    for f in fields:
        plain: tuple[type, ...] = _PLAIN_TYPES.get(type(f), ())
        if vendor == "postgresql" and type(f) in _WRAPPED_ON_POSTGRESQL and not copy:
            plain = ()  # Django hands psycopg Int2/Int4/Int8 for them
        if type(f) is models.DateTimeField and vendor == "postgresql":
            plain = (datetime,)  # an aware datetime goes to psycopg as it is (naive ones take the slow path)
        simple_read = type(f).pre_save is models.Field.pre_save
        out.append((f, plain, simple_read, type(f) in _TEXT_FIELDS))
    return tuple(out)


def _row_values(obj: Model, preparers: Any, connection: Any) -> list[Any]:
    """The row of `obj` as the fields' own `pre_save` and `get_db_prep_save` make it."""
    values = []
    for f, plain, simple_read, text in preparers:
        value = getattr(obj, f.attname) if simple_read else f.pre_save(obj, True)
        kind = type(value)
        if (
            value is None
            or (kind in plain and (kind is not datetime or value.tzinfo is not None))
            or (text and isinstance(value, str))
        ):
            values.append(value)
        else:
            values.append(f.get_db_prep_save(value, connection))
    return values


def _take_related_ids(objs: list[Model], fields: tuple[Any, ...]) -> None:
    """A relation set before its object was saved: take the id the object has now (as `bulk_create`)."""
    related = [f for f in fields if f.is_relation]
    for obj in objs:
        for f in related:
            if getattr(obj, f.attname) is None and f.is_cached(obj):
                target = f.get_cached_value(obj)
                if target is not None:
                    setattr(obj, f.attname, target.pk)


def insert_values(objs: list[Model], *, ignore_conflicts: bool = False) -> tuple[str, list[Any]]:
    """One multi-row INSERT of unsaved instances of one model: (sql, params)."""
    model = type(objs[0])
    connection = connections["default"]
    head, row, fields = _insert_parts(model, connection.vendor)
    _take_related_ids(objs, fields)
    preparers = _preparers(model, connection.vendor, False)
    params = [value for obj in objs for value in _row_values(obj, preparers, connection)]
    sql = head + ", ".join([row] * len(objs))
    if ignore_conflicts and connection.vendor == "sqlite":
        sql = "INSERT OR IGNORE" + sql[len("INSERT") :]
    elif ignore_conflicts:
        sql += " ON CONFLICT DO NOTHING"
    return sql, params


def insert_values_with_pk(
    objs: list[Model], expressions: dict[str, list[tuple[str, list[Any]]]]
) -> tuple[str, list[Any]]:
    """One multi-row INSERT of unsaved instances of one model whose ids are already set (drawn from the
    sequence), some columns given by SQL expressions instead of values: `expressions` maps a field's
    attribute name to each instance's (SQL with %s placeholders, its parameters). (sql, params)."""
    model = type(objs[0])
    connection = connections["default"]
    _, _, fields = _insert_parts(model, connection.vendor)
    fields = (model._meta.pk, *fields)
    _take_related_ids(objs, fields)
    preparers = _preparers(model, connection.vendor, True)
    replaced = {i: expressions[f.attname] for i, f in enumerate(fields) if f.attname in expressions}
    if len(replaced) != len(expressions):
        raise ValueError(
            f"{model.__name__}: нет полей {sorted(expressions.keys() - {f.attname for f in fields})}"
        )
    params: list[Any] = []
    for n, obj in enumerate(objs):
        for i, value in enumerate(_row_values(obj, preparers, connection)):
            if i in replaced:
                params.extend(replaced[i][n][1])
            else:
                params.append(value)
    shape = tuple((i, tuple(sql for sql, _ in rows)) for i, rows in sorted(replaced.items()))
    return _insert_with_pk_sql(model, connection.vendor, len(objs), shape), params


@lru_cache(maxsize=256)
def _insert_with_pk_sql(model: type[Model], vendor: str, k: int, shape: tuple[Any, ...]) -> str:
    """The text of `insert_values_with_pk`'s statement: k rows, the columns at the positions of `shape`
    given by its expressions, row by row (the same few shapes each request: built once)."""
    qn = connections["default"].ops.quote_name
    _, _, fields = _insert_parts(model, vendor)
    fields = (model._meta.pk, *fields)
    by_position = dict(shape)
    rows = []
    for n in range(k):
        marks = [f"({by_position[i][n]})" if i in by_position else "%s" for i in range(len(fields))]
        rows.append("(" + ", ".join(marks) + ")")
    columns = ", ".join(qn(f.column) for f in fields)
    return f"INSERT INTO {qn(model._meta.db_table)} ({columns}) VALUES {', '.join(rows)}"


def take_ids(objs: list[Model]) -> None:
    """Ids for unsaved instances of one model drawn from its column's sequence (PostgreSQL), as the
    INSERT would draw them: for rows written later, by a statement that names them."""
    if not objs:
        return
    with prepared_cursor() as cursor:
        cursor.execute(
            "SELECT nextval(%s) FROM generate_series(1, %s)", [_sequence(type(objs[0])), len(objs)]
        )
        ids = [row[0] for row in cursor.fetchall()]
    for obj, pk_value in zip(objs, ids, strict=True):
        obj.pk = pk_value
        obj._state.adding = False
        obj._state.db = "default"


#: From this many rows on, PostgreSQL gets them by COPY (no SQL text to build, split and parse: psycopg
#: splits a statement of thousands of placeholders in Python, uncached, at ~0.4 ms a case row).
COPY_FROM = 100


@cache
def _sequence(model: type[Model]) -> str:
    """The sequence behind the model's id column (an identity column's too)."""
    with connections["default"].cursor() as cursor:
        cursor.execute("SELECT pg_get_serial_sequence(%s, %s)", [model._meta.db_table, model._meta.pk.column])
        return str(cursor.fetchone()[0])


def insert_returning_pk(objs: list[Model]) -> None:
    """INSERT unsaved instances of one model and give each its id, as `bulk_create` does.

    Few rows: one INSERT … RETURNING, the ids taken in the order the database returns the rows (the
    rows' order on PostgreSQL and on SQLite ≥ 3.35). Many rows on PostgreSQL: the ids drawn from the
    column's own sequence first, then the rows, ids included, by COPY — two round trips whatever the
    number of rows."""
    if not objs:
        return
    connection = connections["default"]
    model = type(objs[0])
    if connection.vendor == "postgresql" and len(objs) >= COPY_FROM:
        take_ids(objs)
        with connection.cursor() as cursor:
            copy_rows(cursor, objs, with_pk=True)
        return
    _, _, fields = _insert_parts(model, connection.vendor)
    size = max(1, connection.ops.bulk_batch_size(list(fields), objs))  # SQLite's limit of parameters
    pk = connection.ops.quote_name(model._meta.pk.column)
    with connection.cursor() as cursor:
        for start in range(0, len(objs), size):
            part = objs[start : start + size]
            sql, params = insert_values(part)
            cursor.execute(f"{sql} RETURNING {pk}", params)
            ids = [row[0] for row in cursor.fetchall()]
            if len(ids) != len(part):
                raise RuntimeError(f"INSERT вернул {len(ids)} идентификаторов на {len(part)} строк")
            for obj, pk_value in zip(part, ids, strict=True):
                obj.pk = pk_value
                obj._state.adding = False
                obj._state.db = "default"


def copy_rows(cursor: Any, objs: list[Model], *, with_pk: bool = False) -> None:
    """Unsaved instances of one model written by PostgreSQL's COPY over a Django cursor (the values
    prepared as for an INSERT; psycopg adapts them as it would parameters). `with_pk`: the instances'
    ids, already set, are written too."""
    connection = cursor.db
    model = type(objs[0])
    preparers = _preparers(model, connection.vendor, with_pk, copy=True)
    fields = tuple(f for f, _, _, _ in preparers)
    _take_related_ids(objs, fields)
    qn = connection.ops.quote_name
    columns = ", ".join(qn(f.column) for f in fields)
    with cursor.cursor.copy(f"COPY {qn(model._meta.db_table)} ({columns}) FROM STDIN") as copy:
        for obj in objs:
            copy.write_row(_row_values(obj, preparers, connection))

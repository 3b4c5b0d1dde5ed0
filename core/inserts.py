"""Rows inserted with SQL built once per model and database, for the site's busiest visitor writes.

`Model.objects.create()` and `bulk_create()` compile their INSERT anew on every call, and on a
visitor's form post that compilation cost about as much server CPU as everything else the ORM
does for the row (issue 16, docs/benchmarks.md). The statement never changes for a model (and a
number of rows), so it is built once; the values still go through each field's own preparation
(`pre_save`, `get_db_prep_save`), so defaults, JSON and UUIDs are stored exactly as the ORM
stores them, and constraints and triggers apply as for any insert. No model signals are sent:
use this only for models without receivers.
"""

from collections.abc import Sequence
from typing import NamedTuple

from django.db import connections, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Field, Model

_STATEMENTS: dict[tuple[type[Model], str, int, bool], tuple[str, list[Field]]] = {}


def _statement(model: type[Model], alias: str, rows: int, ignore_conflicts: bool) -> tuple[str, list[Field]]:
    key = (model, alias, rows, ignore_conflicts)
    if key not in _STATEMENTS:
        quote = connections[alias].ops.quote_name
        meta = model._meta
        fields = [field for field in meta.concrete_fields if field is not meta.pk or not meta.pk.db_returning]
        columns = ", ".join(quote(field.column) for field in fields)
        values = ", ".join(["(" + ", ".join(["%s"] * len(fields)) + ")"] * rows)
        conflicts = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
        _STATEMENTS[key] = (
            # Names from the model, quoted by the backend; every value is a parameter.
            f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES {values}{conflicts} "  # noqa: S608
            f"RETURNING {quote(meta.pk.column)}",
            fields,
        )
    return _STATEMENTS[key]


class Insert(NamedTuple):
    """New, unsaved instances of one model to insert in one statement (`rows_insert`'s arguments)."""

    objs: Sequence[Model]
    ignore_conflicts: bool = False


def rows_insert(*, objs: Sequence[Model], ignore_conflicts: bool = False) -> list:
    """Insert new, unsaved instances of one model in one statement; the primary keys of the rows
    written. With `ignore_conflicts`, a row that would break a unique constraint is left out
    (and its instance keeps no key); without it, the instances get their keys, as `save()` gives."""
    return rows_insert_together(inserts=[Insert(objs, ignore_conflicts)])[0]


def rows_insert_together(*, inserts: Sequence[Insert]) -> list[list]:
    """Several `rows_insert` (on one database) sent to PostgreSQL in one round trip; the keys each
    wrote, in order. Django's psycopg cursor binds parameters on the client, which lets one
    execute carry several statements; other databases, and a server-side binding cursor, get
    them one by one. Call it inside a transaction: then a failing statement fails them all on
    every database (outside one, PostgreSQL would still take them as one, the others not)."""
    prepared = [_prepared(insert) for insert in inserts]
    statements = [(sql, params) for sql, params, _alias in prepared if sql]
    aliases = {alias for _sql, _params, alias in prepared if alias}
    if len(aliases) > 1:
        raise ValueError("rows_insert_together inserts on one database")
    found: list[list] = []
    if statements:
        connection = connections[aliases.pop()]
        with connection.cursor() as cursor:
            if _one_round_trip(connection) and len(statements) > 1:
                cursor.execute("; ".join(sql for sql, _params in statements),
                               [param for _sql, params in statements for param in params])
                found.append([row[0] for row in cursor.fetchall()])
                while cursor.nextset():
                    found.append([row[0] for row in cursor.fetchall()])
            else:
                for sql, params in statements:
                    cursor.execute(sql, params)
                    found.append([row[0] for row in cursor.fetchall()])
    results = iter(found)
    keys_per_insert = [next(results) if sql else [] for sql, _params, _alias in prepared]
    for insert, keys, (_sql, _params, alias) in zip(inserts, keys_per_insert, prepared, strict=True):
        if not insert.ignore_conflicts:
            for obj, key in zip(insert.objs, keys, strict=True):
                obj.pk = key
                obj._state.adding = False
                obj._state.db = alias
    return keys_per_insert


def _prepared(insert: Insert) -> tuple[str, list, str]:
    """The statement, its parameters and the database alias of one insert ('' for no rows)."""
    if not insert.objs:
        return "", [], ""
    model = type(insert.objs[0])
    alias = router.db_for_write(model, instance=insert.objs[0])
    sql, fields = _statement(model, alias, len(insert.objs), insert.ignore_conflicts)
    connection = connections[alias]
    params = [field.get_db_prep_save(field.pre_save(obj, add=True), connection)
              for obj in insert.objs for field in fields]
    return sql, params, alias


def _one_round_trip(connection: BaseDatabaseWrapper) -> bool:
    return connection.vendor == "postgresql" and not connection.settings_dict["OPTIONS"].get("server_side_binding")


def row_insert(*, obj: Model) -> Model:
    """Insert `obj` (a new, unsaved instance) and give it its primary key, as `save()` would."""
    rows_insert(objs=[obj])
    return obj

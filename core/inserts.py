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

from django.db import connections, router
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


def rows_insert(*, objs: Sequence[Model], ignore_conflicts: bool = False) -> list:
    """Insert new, unsaved instances of one model in one statement; the primary keys of the rows
    written. With `ignore_conflicts`, a row that would break a unique constraint is left out
    (and its instance keeps no key); without it, the instances get their keys, as `save()` gives."""
    if not objs:
        return []
    model = type(objs[0])
    alias = router.db_for_write(model, instance=objs[0])
    sql, fields = _statement(model, alias, len(objs), ignore_conflicts)
    connection = connections[alias]
    params = [field.get_db_prep_save(field.pre_save(obj, add=True), connection) for obj in objs for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        keys = [row[0] for row in cursor.fetchall()]
    if not ignore_conflicts:
        for obj, key in zip(objs, keys, strict=True):
            obj.pk = key
            obj._state.adding = False
            obj._state.db = alias
    return keys


def row_insert(*, obj: Model) -> Model:
    """Insert `obj` (a new, unsaved instance) and give it its primary key, as `save()` would."""
    rows_insert(objs=[obj])
    return obj

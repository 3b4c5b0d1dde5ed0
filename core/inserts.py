"""One row inserted with SQL built once per model and database, for the site's hottest writes.

`Model.objects.create()` compiles its INSERT anew on every call, and on a visitor's form post
that compilation cost about as much server CPU as everything else the ORM does for the row
(issue 16, docs/benchmarks.md). The statement never changes for a model, so it is built once;
the values still go through each field's own preparation (`pre_save`, `get_db_prep_save`), so
defaults, JSON and UUIDs are stored exactly as the ORM stores them, and constraints and triggers
apply as for any insert. No model signals are sent: use this only for models without receivers.
"""

from django.db import connections, router
from django.db.models import Field, Model

_STATEMENTS: dict[tuple[type[Model], str], tuple[str, list[Field]]] = {}


def _statement(model: type[Model], alias: str) -> tuple[str, list[Field]]:
    key = (model, alias)
    if key not in _STATEMENTS:
        connection = connections[alias]
        quote = connection.ops.quote_name
        meta = model._meta
        fields = [field for field in meta.concrete_fields if field is not meta.pk or not meta.pk.db_returning]
        columns = ", ".join(quote(field.column) for field in fields)
        placeholders = ", ".join(["%s"] * len(fields))
        _STATEMENTS[key] = (
            # Names from the model, quoted by the backend; every value is a parameter.
            f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({placeholders}) "  # noqa: S608
            f"RETURNING {quote(meta.pk.column)}",
            fields,
        )
    return _STATEMENTS[key]


def row_insert(*, obj: Model) -> Model:
    """Insert `obj` (a new, unsaved instance) and give it its primary key, as `save()` would."""
    model = type(obj)
    alias = router.db_for_write(model, instance=obj)
    sql, fields = _statement(model, alias)
    connection = connections[alias]
    values = [field.get_db_prep_save(field.pre_save(obj, add=True), connection) for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, values)
        obj.pk = cursor.fetchone()[0]
    obj._state.adding = False
    obj._state.db = alias
    return obj

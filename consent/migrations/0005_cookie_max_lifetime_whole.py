"""Two holes in 0003. A maximum lifetime unit without its number slipped through its check: `NULL >= 1`
is not false, and a CHECK only refuses what is false; this one says "a number" outright (0003's data
step never wrote such a row; a row saved since gets its unit cleared: no maximum, the audit warns).
And the unit column had no default in the database, so code that inserts cookies without it (an
earlier migration's own models, as the tests re-seed the registry with) failed on NOT NULL."""

from django.db import migrations, models

UNITS = ["minutes", "hours", "days", "weeks", "months", "years"]
CHOICES = [("session", "until the browser closes"), *((unit, unit) for unit in UNITS)]


def constraints_checked_now(apps, schema_editor):
    """As in 0003: rows written earlier in the same transaction (the migration tests) are checked
    before the table is altered."""
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")


def clear_incomplete(apps, schema_editor):
    Cookie = apps.get_model("consent", "Cookie")
    Cookie.objects.filter(max_lifetime_unit__in=UNITS, max_lifetime_amount__isnull=True).update(max_lifetime_unit="")


class Migration(migrations.Migration):
    dependencies = [("consent", "0004_integrations")]

    operations = [
        migrations.RunPython(constraints_checked_now, migrations.RunPython.noop),
        migrations.RemoveConstraint(model_name="cookie", name="consent_cookie_max_lifetime_complete"),
        migrations.AlterField(
            model_name="cookie",
            name="max_lifetime_unit",
            field=models.CharField(
                blank=True, choices=CHOICES, db_default="", max_length=8, verbose_name="maximum lifetime unit",
                help_text=(
                    "The longest the cookie may live, e.g. 2 years; 'until the browser closes' needs no number. "
                    "The cookie audit reports a cookie that lives longer. Changing it does not ask visitors again."
                ),
            ),
        ),
        migrations.RunPython(clear_incomplete, migrations.RunPython.noop),
        migrations.AddConstraint(
            model_name="cookie",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("max_lifetime_amount__isnull", True), ("max_lifetime_unit", "")),
                    models.Q(("max_lifetime_amount__isnull", True), ("max_lifetime_unit", "session")),
                    models.Q(
                        ("max_lifetime_unit__in", UNITS),
                        ("max_lifetime_amount__gte", 1),
                        ("max_lifetime_amount__isnull", False),
                    ),
                    _connector="OR",
                ),
                name="consent_cookie_max_lifetime_whole",
            ),
        ),
    ]

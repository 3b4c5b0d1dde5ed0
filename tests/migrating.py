"""Moving the test database between migration states, for tests that populate an older schema.

Such a test must end with `migrate(latest())`, in a `finally`, because the tests after it need the full schema.
"""

from django.contrib.auth.management import create_permissions
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.db.migrations.loader import MigrationLoader
from django.db.migrations.state import StateApps


def migrate(targets: list[tuple[str, str | None]]) -> StateApps:
    """Migrates (forward or back) to the targets; returns the historical models as they are there."""
    MigrationExecutor(connection).migrate(targets)
    # Not the state migrate() returns: after migrating back, that one still holds the models of
    # migrations it has just unapplied (consent's, say), which are then taken for existing ones.
    loader = MigrationLoader(connection)
    return loader.project_state([key for key in loader.applied_migrations if key in loader.graph.nodes]).apps


def latest() -> list[tuple[str, str]]:
    """Every app's last migration: the schema the code runs on."""
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


def permissions_create(apps: StateApps) -> None:
    """What post_migrate did on a site at that schema: a content type and the permissions of every model."""
    for config in apps.get_app_configs():
        config.models_module = True
        create_permissions(config, apps=apps, verbosity=0)
        config.models_module = None


def group_rights(apps: StateApps) -> dict[str, set[tuple[str, str, str]]]:
    """Each group's permissions as (app label, model, codename)."""
    return {
        group.name: set(group.permissions.values_list("content_type__app_label", "content_type__model", "codename"))
        for group in apps.get_model("auth", "Group").objects.all()
    }

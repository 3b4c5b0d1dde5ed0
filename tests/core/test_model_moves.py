"""The one helper migrations use to move a model's content type to another app (consent/0002,
mail/0001, mail/0003): grants and the admin's log entries follow, whether or not Django
already made a content type under the new label."""

import pytest
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group, Permission, User
from django.contrib.contenttypes.models import ContentType

from core.model_moves import content_type_move

pytestmark = pytest.mark.django_db


@pytest.fixture
def old_type() -> ContentType:
    """A model of the old app, with rights granted to a group and a person and a log entry."""
    old = ContentType.objects.create(app_label="oldapp", model="widget")
    view = Permission.objects.create(content_type=old, codename="view_widget", name="Can view widget")
    change = Permission.objects.create(content_type=old, codename="change_widget", name="Can change widget")
    Group.objects.create(name="Widgets").permissions.add(view, change)
    editor = User.objects.create_user("editor", "editor@example.com", "a-long-test-password", is_staff=True)
    editor.user_permissions.add(change)
    LogEntry.objects.create(user=editor, content_type=old, object_id="1", object_repr="w", action_flag=CHANGE)
    return old


def _state() -> tuple[set, set, list]:
    group = set(Group.objects.get(name="Widgets").permissions.values_list("content_type__app_label", "codename"))
    user = set(User.objects.get(username="editor").user_permissions.values_list("content_type__app_label",
                                                                                "codename"))
    entries = list(LogEntry.objects.values_list("content_type__app_label", "content_type__model"))
    return group, user, entries


def test_without_a_new_type_the_old_one_is_relabelled_in_place(old_type):
    content_type_move(apps, model="widget", old_app="oldapp", new_app="newapp")
    assert ContentType.objects.get(pk=old_type.pk).app_label == "newapp"
    assert _state() == ({("newapp", "view_widget"), ("newapp", "change_widget")}, {("newapp", "change_widget")},
                        [("newapp", "widget")])


def test_with_a_new_type_already_there_grants_and_log_entries_move_to_it(old_type):
    new = ContentType.objects.create(app_label="newapp", model="widget")
    Permission.objects.create(content_type=new, codename="view_widget", name="Can view widget")

    content_type_move(apps, model="widget", old_app="oldapp", new_app="newapp")

    assert not ContentType.objects.filter(pk=old_type.pk).exists()
    assert set(Permission.objects.filter(content_type=new).values_list("codename", flat=True)) == {
        "view_widget", "change_widget"
    }
    assert _state() == ({("newapp", "view_widget"), ("newapp", "change_widget")}, {("newapp", "change_widget")},
                        [("newapp", "widget")])


def test_nothing_to_move_is_no_error():
    content_type_move(apps, model="widget", old_app="oldapp", new_app="newapp")
    assert not ContentType.objects.filter(model="widget").exists()

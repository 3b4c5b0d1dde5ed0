"""The staff groups follow staff/roles.py on every migrate: a right added there reaches its group,
a right taken out is taken away, a right given by hand to a role's group does not stay, and a
misspelt right stops migrate (system check staff.E001)."""

import copy

import pytest
from django.contrib.auth.models import Group, Permission
from django.core.management import call_command
from django.core.management.base import SystemCheckError

from staff import roles

pytestmark = pytest.mark.django_db


def _rights(group: str) -> set[tuple[str, str]]:
    return set(Group.objects.get(name=group).permissions.values_list("content_type__app_label", "codename"))


def _wanted(group: str) -> set[tuple[str, str]]:
    return {(label, code) for label, codes in roles.ROLES[group].items() for code in codes}


@pytest.fixture
def editable_roles(monkeypatch) -> dict:
    monkeypatch.setattr(roles, "ROLES", copy.deepcopy(roles.ROLES))
    return roles.ROLES


def test_a_right_added_to_a_role_reaches_its_group_after_migrate(editable_roles):
    # A right whose permission row does not exist yet either (as for a model added since).
    Permission.objects.filter(content_type__app_label="contact", codename="delete_contactmessage").delete()
    editable_roles["Support"]["contact"].append("delete_contactmessage")

    call_command("migrate", verbosity=0, interactive=False, skip_checks=False)

    assert ("contact", "delete_contactmessage") in _rights("Support")
    assert _rights("Support") == _wanted("Support")


def test_a_right_removed_from_a_role_is_taken_away_after_migrate(editable_roles):
    assert ("accesslog", "view_pageview") in _rights("Marketing")
    editable_roles["Marketing"].pop("accesslog")

    call_command("migrate", verbosity=0, interactive=False, skip_checks=False)

    assert ("accesslog", "view_pageview") not in _rights("Marketing")
    assert _rights("Marketing") == _wanted("Marketing")


def test_a_role_group_is_kept_to_exactly_its_rights_and_recreated_if_deleted():
    Group.objects.get(name="Legal").permissions.add(Permission.objects.get(codename="delete_contactmessage"))
    Group.objects.filter(name="Support").delete()

    call_command("migrate", verbosity=0, interactive=False, skip_checks=False)

    for group in roles.ROLES:
        assert _rights(group) == _wanted(group)


def test_a_misspelt_right_stops_migrate(editable_roles):
    editable_roles["Legal"]["consent"].append("view_consentrecords")

    with pytest.raises(SystemCheckError, match=r"staff\.E001.*consent\.view_consentrecords"):
        call_command("migrate", verbosity=0, interactive=False, skip_checks=False)

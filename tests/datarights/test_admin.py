"""Staff register requests, see overdue ones stand out, and run export and erasure from the admin."""

import datetime
import json
import re

import pytest
import time_machine
from django.contrib.auth.models import User
from django.utils import timezone

from datarights.models import DataRequest, add_months
from newsletter.models import Subscriber

from .holdings import hold_everything

pytestmark = pytest.mark.django_db

ADDRESS = "carl.staff-3301@example.org"


def test_due_date_is_one_month_later():
    assert add_months(datetime.date(2026, 1, 31), 1) == datetime.date(2026, 2, 28)
    assert add_months(datetime.date(2028, 1, 31), 1) == datetime.date(2028, 2, 29)
    assert add_months(datetime.date(2026, 12, 15), 1) == datetime.date(2027, 1, 15)


def test_register_a_request_received_by_post(client, staff):
    client.force_login(staff)
    response = client.post("/en/admin/datarights/datarequest/add/", {
        "kind": "erasure", "channel": "post", "subject_email": "Carl@Example.org", "received_on": "2026-03-10",
    })
    assert response.status_code == 302
    request = DataRequest.objects.get()
    assert (request.due_on, request.status, request.subject_email) == (
        datetime.date(2026, 4, 10), "open", "carl@example.org"
    )
    assert request.handled_by == staff
    assert list(request.events.values_list("action", "actor_label")) == [("registered", "clerk")]


def _add_form_as_the_browser_sends_it(client) -> dict[str, str]:
    """The add page's hidden inputs (the CSRF token aside), so inline management forms are posted as rendered."""
    page = client.get("/en/admin/datarights/datarequest/add/").content.decode()
    hidden = dict(re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page))
    hidden.pop("csrfmiddlewaretoken", None)
    return hidden


@pytest.mark.parametrize("who", ["superuser", "Support"])
def test_superusers_and_support_staff_register_a_request_in_the_admin(client, group_member, who):
    user = (User.objects.create_superuser("root", "root@ilumen.be", "a-long-test-password") if who == "superuser"
            else group_member("Support"))
    client.force_login(user)
    form = _add_form_as_the_browser_sends_it(client)
    assert "events-TOTAL_FORMS" not in form  # the audit trail is a table on the page, not a formset
    response = client.post("/en/admin/datarights/datarequest/add/", {
        **form, "kind": "access", "channel": "email", "subject_email": "Dora@Example.org",
        "received_on": "2026-03-10",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    request = DataRequest.objects.get()
    assert (request.subject_email, request.status, request.handled_by) == ("dora@example.org", "open", user)
    assert list(request.events.values_list("action", "actor_label")) == [("registered", user.get_username())]
    change = client.get(f"/en/admin/datarights/datarequest/{request.pk}/change/")
    assert change.status_code == 200


def test_overdue_requests_stand_out(client, staff):
    client.force_login(staff)
    with time_machine.travel(timezone.now() - datetime.timedelta(days=40)):
        client.post("/en/admin/datarights/datarequest/add/", {
            "kind": "access", "channel": "email", "subject_email": "late@example.org",
            "received_on": timezone.localdate().isoformat(),
        })
    client.post("/en/admin/datarights/datarequest/add/", {
        "kind": "access", "channel": "email", "subject_email": "fresh@example.org",
        "received_on": timezone.localdate().isoformat(),
    })
    page = client.get("/en/admin/datarights/datarequest/").content.decode()
    assert page.count('class="datarights-overdue"') == 1 and "days overdue" in page
    overdue = client.get("/en/admin/datarights/datarequest/?deadline=overdue").content.decode()
    assert "Access (see or receive a copy) request #" in overdue
    assert DataRequest.objects.overdue().count() == 1
    late = DataRequest.objects.overdue().get()
    change = client.get(f"/en/admin/datarights/datarequest/{late.pk}/change/").content.decode()
    assert "This request is overdue" in change


def test_staff_export_then_erase_with_an_audit_trail_free_of_personal_data(client, staff):
    hold_everything(ADDRESS, "Carl Staff", staff=staff)
    client.force_login(staff)
    client.post("/en/admin/datarights/datarequest/add/", {
        "kind": "erasure", "channel": "email", "subject_email": ADDRESS,
        "received_on": timezone.localdate().isoformat(),
    })
    request = DataRequest.objects.filter(kind="erasure").get()
    change = client.get(f"/en/admin/datarights/datarequest/{request.pk}/change/").content.decode()
    assert "Download the export (JSON)" in change and "Erase everything for this address" in change

    export = client.get(f"/en/admin/datarights/datarequest/{request.pk}/export/")
    data = json.loads(export.content)
    assert data["email"] == ADDRESS and "no-store" in export["Cache-Control"]

    confirm = client.get(f"/en/admin/datarights/datarequest/{request.pk}/erase/").content.decode()
    assert "Kept, and why" in confirm and "keyed hash" in confirm
    assert Subscriber.objects.filter(email=ADDRESS).exists()
    done = client.post(f"/en/admin/datarights/datarequest/{request.pk}/erase/")
    assert done.status_code == 302
    assert not Subscriber.objects.filter(email=ADDRESS).exists()
    request.refresh_from_db()
    assert (request.status, request.subject_email, request.handled_by) == ("done", "", staff)
    actions = list(request.events.values_list("action", flat=True))
    assert actions == ["registered", "exported", "erased", "status"]
    trail = json.dumps(list(request.events.values("detail", "actor_label")))
    assert "carl" not in trail.lower() and "example.org" not in trail
    assert json.loads(trail)[2]["detail"]["newsletter"]["subscriber"] == 1
    # Nothing left to export or erase: the buttons are gone and the views refuse.
    change = client.get(f"/en/admin/datarights/datarequest/{request.pk}/change/").content.decode()
    assert "Download the export (JSON)" not in change and "no longer holds an address" in change


def test_closing_a_request_removes_its_address(client, staff):
    client.force_login(staff)
    client.post("/en/admin/datarights/datarequest/add/", {
        "kind": "objection", "channel": "email", "subject_email": "obj@example.org",
        "received_on": timezone.localdate().isoformat(),
    })
    request = DataRequest.objects.get()
    # The form moves a request between the open statuses only; closing is a step of its own.
    refused = client.post(f"/en/admin/datarights/datarequest/{request.pk}/change/", {
        "status": "done", "handled_by": staff.pk, "language": "en",
    })
    assert refused.status_code == 200 and DataRequest.objects.get().status == "open"
    response = client.post(f"/en/admin/datarights/datarequest/{request.pk}/close/", {"outcome": "done"})
    assert response.status_code == 302, response.content.decode()[-2000:]
    request.refresh_from_db()
    assert request.status == "done" and request.subject_email == "" and request.closed_at is not None
    assert request.events.last().detail == {"outcome": "done"}


def test_export_and_erasure_need_their_permissions(client, staff):
    viewer = User.objects.create_user("viewer", "v@ilumen.be", "a-long-test-password", is_staff=True)
    from django.contrib.auth.models import Permission

    viewer.user_permissions.add(Permission.objects.get(codename="view_datarequest"))
    client.force_login(staff)
    client.post("/en/admin/datarights/datarequest/add/", {
        "kind": "access", "channel": "email", "subject_email": "p@example.org",
        "received_on": timezone.localdate().isoformat(),
    })
    request = DataRequest.objects.get()
    client.force_login(viewer)
    assert client.get(f"/en/admin/datarights/datarequest/{request.pk}/export/").status_code == 403
    assert client.post(f"/en/admin/datarights/datarequest/{request.pk}/erase/").status_code == 403
    assert DataRequest.objects.get().subject_email == "p@example.org"

"""Marketing sees what a hash leaves of the suppression list and checks a typed address."""

import pytest
from django.contrib.auth.models import Group, User

from mail.services import suppression_add

pytestmark = pytest.mark.django_db


def test_marketing_checks_whether_a_typed_address_is_suppressed(client, seeded):
    suppression_add(email="bounced@example.com", reason="bounce", source="webhook")
    suppression_add(email="other@example.com", reason="complaint", source="csv")
    marketer = User.objects.create_user("marketer", "m@ilumen.be", "a-long-test-password", is_staff=True)
    marketer.groups.add(Group.objects.get(name="Marketing"))
    client.force_login(marketer)

    found = client.get("/en/admin/mail/suppression/", {"q": " Bounced@Example.com "})
    assert found.status_code == 200
    page = found.content.decode()
    assert "1 result" in page and 'field-source">webhook<' in page and 'field-source">csv<' not in page

    absent = client.get("/en/admin/mail/suppression/", {"q": "never@example.com"}).content.decode()
    assert "0 results" in absent
    part = client.get("/en/admin/mail/suppression/", {"q": "bounced"}).content.decode()
    assert "0 results" in part  # only a whole address finds its hash
    assert client.get("/en/admin/mail/suppression/add/").status_code == 403

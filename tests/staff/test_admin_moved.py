"""Old admin bookmarks of the models that moved to consent/ and mail/ (issue 11) lead staff to
the same page at its new address; nobody else learns anything from them."""

import pytest
from django.contrib.auth.models import User
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.fixture
def legal(group_member) -> Client:
    client = Client()
    client.force_login(group_member("Legal"))
    return client


@pytest.mark.parametrize(("old", "new"), [
    ("/en/admin/privacy/category/", "/en/admin/consent/category/"),
    ("/nl/admin/privacy/cookie/add/", "/nl/admin/consent/cookie/add/"),
    ("/en/admin/privacy/registryrevision/3/change/", "/en/admin/consent/registryrevision/3/change/"),
    ("/en/admin/privacy/consentrecord/?method__exact=gpc&o=-1",
     "/en/admin/consent/consentrecord/?method__exact=gpc&o=-1"),
    ("/en/admin/privacy/gpcrefusalday/12/history/", "/en/admin/consent/gpcrefusalday/12/history/"),
    ("/en/admin/newsletter/outboxmessage/7/change/", "/en/admin/mail/outboxmessage/7/change/"),
    ("/nl/admin/newsletter/suppression/", "/nl/admin/mail/suppression/"),
])
def test_an_old_admin_address_redirects_staff_to_the_new_one(legal, old, new):
    response = legal.get(old)
    assert response.status_code == 301
    assert response["Location"] == new


def test_the_redirect_lands_on_the_page(legal):
    response = legal.get("/en/admin/privacy/consentrecord/", follow=True)
    assert response.redirect_chain == [("/en/admin/consent/consentrecord/", 301)]
    assert response.status_code == 200


def test_addresses_that_did_not_move_are_the_admin_s_own(legal):
    assert legal.get("/en/admin/privacy/version/").status_code == 200
    assert legal.get("/en/admin/newsletter/subscriber/").status_code == 200


@pytest.mark.parametrize("who", ["anonymous", "not staff"])
def test_anyone_else_is_sent_to_the_sign_in_first(who):
    client = Client()
    if who == "not staff":
        client.force_login(User.objects.create_user("visitor", "visitor@example.com", "a-long-test-password"))
    response = client.get("/en/admin/privacy/consentrecord/5/change/")
    assert response.status_code == 302
    assert response["Location"] == "/en/admin/login/?next=/en/admin/privacy/consentrecord/5/change/"

"""Every cookie the site's own code sets is in the cookie registry (issue 12, point 5).

Not a system check: the registry lives in the database. Django's test client walks every page the
cookie audit walks, and the responses of every form a visitor can send (the consent choices, a GPC
signal, the language switcher, newsletter, contact, the my-data link and its session, the staff
sign-in); every Set-Cookie that stores something must name a registered cookie of the site's own,
and, for a visitor who consented to nothing, one of a strictly necessary category."""

import re

import pytest
from django.contrib.auth.models import User
from django.core import mail
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

from consent import selectors
from consent.audit import findings, pages
from mail.services import outbox_deliver
from newsletter.selectors import public_topics

pytestmark = pytest.mark.django_db

HOST = "testserver"


@pytest.fixture(autouse=True)
def _locmem_mail(settings):
    settings.MAILERS = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
    settings.SITE_URL = f"http://{HOST}"


class Recorder:
    """Every cookie the site stored through the responses it gave, and with which request."""

    def __init__(self) -> None:
        self.stored: dict[str, str] = {}

    def __call__(self, response, what: str):
        for name, morsel in response.cookies.items():
            deleted = morsel["max-age"] in (0, "0") or "1970" in str(morsel["expires"])
            if not deleted:
                self.stored.setdefault(name, what)
        return response


def _link(pattern: str) -> str:
    outbox_deliver(limit=50)
    message = [m for m in mail.outbox if pattern in m.body][-1]
    return re.search(r"https?://[^/\s]+(/\S*" + re.escape(pattern) + r"\S*)", message.body).group(1)


def test_every_cookie_the_site_sets_is_declared(client, seeded, integrations_on):
    record = Recorder()
    revision = selectors.registry_state().revision
    for step in pages.audit_steps():
        if step.path:
            record(client.get(step.path), f"GET {step.path}")
    # the forms, as a visitor sends them (the mail goes to the test's outbox)
    record(client.post("/i18n/setlang/", {"language": "en", "next": "/en/"}), "language switcher")
    topic = public_topics()[0].pk
    record(client.post("/nl/newsletter/", {"email": "ann@example.com", "name": "Ann", "language": "nl",
                                           "topics": [topic], "consent": "on"}), "newsletter form")
    confirm = _link("/newsletter/confirm/")
    record(client.get(confirm), "newsletter confirmation page")
    record(client.post(confirm), "newsletter confirmation")
    record(client.post("/en/contact/", {"name": "Ann", "email": "ann@example.com", "subject": "Hi",
                                        "message": "Hello"}), "contact form")
    record(client.post("/en/privacy/my-data/", {"email": "ann@example.com"}), "my-data form")
    opened = _link("/my-data/open/")
    record(client.get(opened), "my-data link")
    record(client.post(opened), "my-data link opened")
    record(client.get("/en/privacy/my-data/view/"), "my-data page")
    record(client.post("/en/privacy/my-data/end/"), "my-data end")
    # the first decisions of a visitor: a GPC signal, then the banner's buttons
    record(client.get("/nl/", HTTP_SEC_GPC="1"), "GPC signal")
    for action in ("accept", "reject"):
        record(client.post("/nl/privacy/consent/", {"action": action, "source": "banner", "revision": revision,
                                                    "next": "/nl/"}), f"banner: {action}")
    # a staff member signing in
    user = User.objects.create_user("root", "root@ilumen.be", "a-long-test-password", is_staff=True)
    code = StaticDevice.objects.create(user=user, name="backup").token_set.create(token=StaticToken.random_token())
    record(client.post("/en/admin/login/?next=/en/admin/", {"username": "root", "password": "a-long-test-password",
                                                             "otp_token": code.token}), "staff sign-in")

    registry = selectors.registry_state()
    undeclared = {name: what for name, what in record.stored.items()
                  if findings.registry_entry(registry, name, HOST, HOST) is None}
    assert undeclared == {}, "declare these cookies in the registry (admin: Cookies), or stop setting them"
    optional = {name: what for name, what in record.stored.items()
                if not findings.registry_entry(registry, name, HOST, HOST)[0].necessary}
    assert optional == {}, "the site's own code set an optional category's cookie without consent"
    # the walk reached every part of the site that sets a cookie
    assert set(record.stored) == {"csrftoken", "django_language", "ilumen_consent", "ilumen_mydata", "sessionid"}

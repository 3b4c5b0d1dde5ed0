"""The staff access matrix: every admin page for Legal, Marketing, Support, the web editor and
anonymous visitors.

The expectations are written out here, independently of staff/roles.py, so that a
change to a role shows up as a failing line in this table.
"""

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse

from newsletter.models import ConsentProof, Subscriber

pytestmark = pytest.mark.django_db

LIST, ADD, CHANGE = "list", "add", "change"

# (app_label.model) -> pages each role may open. Everything not listed is refused.
MATRIX: dict[str, dict[str, set[str]]] = {
    "Legal": {
        "privacy.document": {LIST, ADD, CHANGE},
        "privacy.version": {LIST, ADD, CHANGE},
        "consent.category": {LIST, ADD, CHANGE},
        "consent.cookie": {LIST, ADD, CHANGE},
        "consent.registryrevision": {LIST, CHANGE},
        "consent.consentrecord": {LIST, CHANGE},
        "consent.cookieaudit": {LIST, CHANGE},
        # every kind exists (consent/0004): adding one is only possible when one is missing
        "consent.integration": {LIST, CHANGE},
        "datarights.datarequest": {LIST, ADD, CHANGE},
        "datarights.erasurerecord": {LIST, CHANGE},
        "newsletter.subscriber": {LIST, CHANGE},
    },
    "Marketing": {
        "newsletter.topic": {LIST, ADD, CHANGE},
        "newsletter.campaign": {LIST, ADD, CHANGE},
        "newsletter.campaignimage": {LIST, ADD, CHANGE},
        "newsletter.subscriber": {LIST, CHANGE},
        "newsletter.delivery": {LIST, CHANGE},
        "newsletter.bounce": {LIST},
        "newsletter.subscriberimport": {LIST, ADD},
        "mail.suppression": {LIST, CHANGE},
        "mail.bouncemail": {LIST},
        "accesslog.pageview": {LIST},
    },
    "Support": {
        "datarights.datarequest": {LIST, ADD, CHANGE},
        "contact.contactmessage": {LIST, CHANGE},
    },
    "Web editor": {
        "pages.companyprofile": {LIST, CHANGE},  # one profile, seeded: none can be added
        "pages.keyfigure": {LIST, ADD, CHANGE},
    },
}


def _any_object_pk(model) -> int | None:
    first = model._default_manager.order_by("pk").first()
    return first.pk if first else None


def _pages() -> list[tuple[str, str, str]]:
    """(model label, page, url) for every registered model's list, add and change page."""
    pages = []
    for model in admin.site._registry:
        label = f"{model._meta.app_label}.{model._meta.model_name}"
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        pages.append((label, LIST, reverse(f"{prefix}_changelist")))
        pages.append((label, ADD, reverse(f"{prefix}_add")))
        pk = _any_object_pk(model)
        if pk is not None:
            pages.append((label, CHANGE, reverse(f"{prefix}_change", args=[pk])))
    return pages


@pytest.fixture
def objects(seeded):
    """At least one object of the models staff handle, so change pages are walked too."""
    from contact.models import ContactMessage
    from datarights import services
    from datarights.models import DataRequest
    from newsletter.models import Campaign, Topic

    subscriber = Subscriber.objects.create(email="ann@example.com", name="Ann", language="en")
    ConsentProof.objects.create(
        subscriber=subscriber, language="en", consent_text="Yes, send me news.", consent_version="1",
        source="/en/newsletter/", ip_truncated="203.0.113.0",
    )
    Campaign.objects.create(name="Autumn").topics.set([Topic.objects.first()])
    ContactMessage.objects.create(name="Bob", email="bob@example.com", subject="Hi", message="Hello", language="en")
    services.request_register(kind=DataRequest.Kind.ACCESS, email="carol@example.com", actor=None)
    return subscriber


@pytest.mark.parametrize("role", ["Legal", "Marketing", "Support", "Web editor"])
def test_each_role_opens_exactly_its_pages(role, objects, group_member):
    client = Client()
    client.force_login(group_member(role))
    assert client.get(reverse("admin:index")).status_code == 200
    allowed = MATRIX[role]
    wrong = []
    for label, page, url in _pages():
        status = client.get(url).status_code
        expected_open = page in allowed.get(label, set())
        if expected_open != (status == 200):
            wrong.append(f"{label} {page}: {status}")
    assert wrong == []


def test_anonymous_visitors_are_sent_to_the_login_page(objects):
    client = Client()
    for _label, _page, url in _pages():
        response = client.get(url)
        assert response.status_code == 302 and "/login/" in response["Location"], url


@pytest.mark.parametrize(
    ("url_name", "args", "allowed_roles"),
    [
        ("admin:privacy_version_publish", "version", {"Legal"}),
        ("admin:consent_consentrecord_export", None, {"Legal"}),
        ("admin:consent_consentrecord_chart", None, {"Legal"}),
        ("admin:newsletter_campaign_test_send", "campaign", {"Marketing"}),
        ("admin:newsletter_campaign_progress", "campaign", {"Marketing"}),
        ("admin:newsletter_subscriber_export", None, {"Marketing"}),  # a list leaving the site: its own right
        # announcing a material statement change to every subscriber: whoever publishes statements
        ("admin:newsletter_campaign_privacy_notice", "announced_version", {"Legal"}),
        ("admin:datarights_datarequest_export", "datarequest", {"Legal", "Support"}),
        ("staff_processing_record", None, {"Legal"}),  # the record of processing activities
    ],
)
def test_admin_actions_follow_the_roles(objects, url_name, args, allowed_roles, group_member):
    from datarights.models import DataRequest
    from newsletter.models import Campaign
    from privacy.models import Version
    from tests.newsletter.factories import statement_change_published

    pk = {
        "version": lambda: Version.objects.first().pk,
        "announced_version": lambda: statement_change_published("en", publisher=None).pk,
        "campaign": lambda: Campaign.objects.get().pk,
        "datarequest": lambda: DataRequest.objects.get().pk,
    }
    url = reverse(url_name, args=[pk[args]()] if args else [])
    for role in ("Legal", "Marketing", "Support"):
        client = Client()
        client.force_login(group_member(role))
        status = client.get(url).status_code
        assert (status == 200) == (role in allowed_roles), f"{role} {url_name}: {status}"


@pytest.mark.parametrize("step", ["identity", "note", "extend", "answer", "close"])
def test_the_steps_of_a_data_request_follow_the_roles(objects, step, group_member):
    """Each step is a POST back to the request (an empty form gets a message there); others get 403."""
    from datarights.models import DataRequest

    url = reverse(f"admin:datarights_datarequest_{step}", args=[DataRequest.objects.get().pk])
    for role in ("Legal", "Marketing", "Support", "Web editor"):
        client = Client()
        client.force_login(group_member(role))
        status = client.post(url, {}).status_code
        assert (status == 302) == (role in {"Legal", "Support"}), f"{role} {step}: {status}"


def test_marketing_sees_consent_proofs_without_ip_addresses(objects, group_member):
    url = reverse("admin:newsletter_subscriber_change", args=[objects.pk])
    marketing, legal = Client(), Client()
    marketing.force_login(group_member("Marketing"))
    legal.force_login(group_member("Legal"))
    marketing_page = marketing.get(url).content.decode()
    assert "Yes, send me news." in marketing_page
    assert "203.0.113.0" not in marketing_page
    assert "203.0.113.0" in legal.get(url).content.decode()


def test_admin_index_warns_about_stuck_campaigns_and_overdue_requests(objects, group_member):
    import datetime

    from datarights.models import DataRequest
    from newsletter.models import Campaign

    marketing, support = Client(), Client()
    marketing.force_login(group_member("Marketing"))
    support.force_login(group_member("Support"))
    assert "stuck" not in marketing.get("/en/admin/").content.decode()
    assert "0 data requests are overdue" in support.get("/en/admin/").content.decode()
    Campaign.objects.update(status=Campaign.Status.ON_HOLD)
    DataRequest.objects.update(received_on=datetime.date(2020, 1, 1), due_on=datetime.date(2020, 2, 1))
    assert "1 campaign is stuck or waits for a person." in marketing.get("/en/admin/").content.decode()
    support_page = support.get("/en/admin/").content.decode()
    assert "1 gegevensverzoek is te laat" in support.get("/nl/admin/").content.decode()
    # The deadlines are counts in Support's panel (staff/panels.py); the campaign warnings are Marketing's.
    assert "1 data request is overdue" in support_page and 'class="messagelist"' not in support_page

"""The registry's structured maximum lifetime (what the cookie audit compares with): filled for the
existing cookies by consent/0003, whole or absent, and never a material change."""

import pytest
from django.db import IntegrityError, transaction

from consent import selectors
from consent.models import Cookie, RegistryRevision
from consent.services import registry_revise
from tests.migrating import latest, migrate

DAY = 86400


def _max_lifetimes() -> dict[str, int | None]:
    state = selectors.registry_state()
    return {cookie.name: cookie.max_lifetime for category in state.categories for cookie in category.cookies}


@pytest.mark.django_db
def test_the_seeded_cookies_have_their_maximum_lifetime_in_the_registry(integrations_on):
    assert _max_lifetimes() == {
        "csrftoken": 366 * DAY, "django_language": 366 * DAY, "ilumen_consent": 6 * 31 * DAY,
        "sessionid": 8 * 3600, "ilumen_mydata": 30 * 60,
        "_ga": 2 * 366 * DAY, "_ga_*": 2 * 366 * DAY, "_gid": 24 * 3600, "_gat*": 60,
        "datr": 2 * 366 * DAY, "fr": 90 * DAY, "guest_id": 13 * 31 * DAY, "personalization_id": 13 * 31 * DAY,
        "bcookie": 366 * DAY, "lidc": 24 * 3600, "li_gc": 6 * 31 * DAY,
    }


@pytest.mark.django_db
def test_changing_a_maximum_lifetime_asks_nobody_again_but_reaches_the_audit(integrations_on):
    revisions = RegistryRevision.objects.count()
    ga = Cookie.objects.get(name="_ga", domain="")
    ga.max_lifetime_amount, ga.max_lifetime_unit = 400, "days"
    ga.save()
    assert registry_revise() is None
    assert RegistryRevision.objects.count() == revisions
    assert _max_lifetimes()["_ga"] == 400 * DAY
    # whereas the lifetime visitors read is material for an optional cookie
    ga.lifetime_en = "400 days"
    ga.save()
    assert registry_revise() is not None


@pytest.mark.django_db
@pytest.mark.parametrize(("amount", "unit"), [(3, ""), (None, "days"), (0, "years"), (2, "session"), (1, "eons")])
def test_a_maximum_lifetime_is_whole_or_absent(amount, unit):
    cookie = Cookie.objects.get(name="_gid")
    cookie.max_lifetime_amount, cookie.max_lifetime_unit = amount, unit
    with pytest.raises(IntegrityError), transaction.atomic():
        cookie.save()


@pytest.mark.django_db
def test_a_cookie_that_ends_with_the_browser_session_needs_no_number():
    cookie = Cookie.objects.get(name="sessionid")
    cookie.max_lifetime_amount, cookie.max_lifetime_unit = None, "session"
    cookie.save()
    assert cookie.max_lifetime_seconds == 0
    cookie.max_lifetime_amount, cookie.max_lifetime_unit = None, ""
    cookie.save()
    assert cookie.max_lifetime_seconds is None


@pytest.mark.django_db
def test_the_migration_reads_the_lifetime_of_cookies_staff_added():
    old = migrate([("consent", "0002_content_types_from_privacy")])
    try:
        category = old.get_model("consent", "Category").objects.get(key="analytics")
        texts = {"weeks_x": "3 weeks", "session_x": "Until the browser closes", "forever_x": "as long as needed"}
        for name, text in texts.items():
            old.get_model("consent", "Cookie").objects.create(
                category=category, name=name, provider="Test", purpose_nl="t", purpose_en="t",
                lifetime_nl="t", lifetime_en=text,
            )
    finally:
        migrate(latest())
    read = {c.name: (c.max_lifetime_amount, c.max_lifetime_unit) for c in Cookie.objects.filter(name__in=texts)}
    assert read == {"weeks_x": (3, "weeks"), "session_x": (None, "session"), "forever_x": (None, "")}

"""The shared read-only admin: evidence and logs can be looked at, never added, changed or deleted
there, not even by a superuser; an admin that allows deleting (can_delete) leaves it to the rights."""

import pytest
from django.contrib import admin
from django.contrib.auth.models import User
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from accesslog.models import PageView
from core.admin import ReadOnlyAdminMixin
from datarights import services
from datarights.models import DataRequest, ErasureRecord
from newsletter.models import Subscriber

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser() -> Client:
    client = Client()
    client.force_login(User.objects.create_superuser("root", "root@example.com", "a-long-test-password"))
    return client


def _urls(obj) -> dict[str, str]:
    prefix = f"admin:{obj._meta.app_label}_{obj._meta.model_name}"
    return {
        "add": reverse(f"{prefix}_add"),
        "change": reverse(f"{prefix}_change", args=[obj.pk]),
        "delete": reverse(f"{prefix}_delete", args=[obj.pk]),
    }


def test_the_erasure_log_is_view_only_even_for_a_superuser(superuser):
    record = ErasureRecord.objects.create(address_hash="a" * 64, summary={"newsletter": 1})
    urls = _urls(record)
    assert superuser.get(urls["add"]).status_code == 403
    assert superuser.post(urls["delete"], {"post": "yes"}).status_code == 403
    page = superuser.get(urls["change"])
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert superuser.post(urls["change"], {"address_hash": "b" * 64}).status_code == 403
    record.refresh_from_db()
    assert record.address_hash == "a" * 64


def test_page_views_cannot_be_added_or_deleted_even_by_a_superuser(superuser):
    view = PageView.objects.create(time=timezone.now(), path="/en/", status=200, language="en", ip="192.0.2.0")
    urls = _urls(view)
    assert superuser.get(urls["add"]).status_code == 403
    assert superuser.post(urls["delete"], {"post": "yes"}).status_code == 403
    assert PageView.objects.filter(pk=view.pk).exists()


def test_a_data_requests_trail_is_shown_without_add_change_or_delete(superuser):
    data_request = services.request_register(kind=DataRequest.Kind.ACCESS, email="carol@example.com", actor=None)
    page = superuser.get(reverse("admin:datarights_datarequest_change", args=[data_request.pk]))
    # A table on the page (the database refuses any change to it), not a formset that could post one.
    assert page.context["inline_admin_formsets"] == []
    assert [event.action for event in page.context["trail"]] == ["registered"]
    assert 'id="audit-trail"' in page.content.decode()


def test_subscribers_stay_view_only_but_may_be_deleted_by_whoever_has_the_right(superuser, group_member):
    subscriber = Subscriber.objects.create(email="ann@example.com", name="Ann", language="en")
    urls = _urls(subscriber)
    assert superuser.get(urls["add"]).status_code == 403
    page = superuser.get(urls["change"])
    assert page.status_code == 200 and b'name="_save"' not in page.content
    assert superuser.get(urls["delete"]).status_code == 200

    marketing = Client()
    marketing.force_login(group_member("Marketing"))  # may view subscribers, holds no delete right
    assert marketing.get(urls["delete"]).status_code == 403
    assert Subscriber.objects.filter(pk=subscriber.pk).exists()


def test_every_read_only_admin_refuses_a_superuser_every_write():
    root = User(username="root", is_superuser=True, is_staff=True, is_active=True)
    request = type("Request", (), {"user": root})()
    read_only = [
        model_admin for model_admin in admin.site._registry.values()
        if isinstance(model_admin, ReadOnlyAdminMixin) and not model_admin.can_delete
    ]
    assert {type(model_admin).__name__ for model_admin in read_only} >= {"ErasureRecordAdmin", "PageViewAdmin"}
    for model_admin in read_only:
        assert not model_admin.has_add_permission(request), model_admin
        assert not model_admin.has_change_permission(request), model_admin
        assert not model_admin.has_delete_permission(request), model_admin
        assert model_admin.has_view_permission(request), model_admin

"""The admin is iLumen's (issue 15, point 9): its name in the header and the title in the staff
member's language, the site's colours, and a language switch that keeps the page and the choice."""

import re
from pathlib import Path

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def support(group_member) -> Client:
    client = Client()
    client.force_login(group_member("Support"))
    return client


@pytest.mark.parametrize(("language", "header", "index_title"), [
    ("nl", "iLumen-beheer", "Werk van vandaag"), ("en", "iLumen administration", "Today&#x27;s work"),
])
def test_the_header_and_title_name_ilumen_in_the_staff_members_language(support, language, header, index_title):
    page = support.get(f"/{language}/admin/").content.decode()
    assert re.search(rf'<div id="site-name"><a href="/{language}/admin/">{header}</a></div>', page)
    assert re.search(rf"<title>{index_title} \| {header}</title>", page)
    assert "Django" not in re.sub(r"<(script|link)[^>]*>", "", page)  # only in the admin's own asset paths
    assert re.search(r'<link rel="stylesheet" href="/static/staff/admin-brand\.css', page)


def test_the_colours_are_the_sites():
    css = (ROOT / "staff/static/staff/admin-brand.css").read_text()
    site = (ROOT / "static/css/site.css").read_text()
    brand = re.search(r"--brand: (#[0-9a-f]{6});", site).group(1)
    assert f"--header-bg: {brand};" in css and f"--button-bg: {brand};" in css and f"--link-fg: {brand};" in css


def test_switching_language_keeps_the_page_and_the_choice(support):
    page = support.get("/nl/admin/datarights/datarequest/").content.decode()
    form = re.search(r'<form class="staff-language" action="(/i18n/setlang/)" method="post">(.*?)</form>', page, re.S)
    assert form, "the switch is on every admin page"
    assert 'name="next" value="/nl/admin/datarights/datarequest/"' in form.group(2)
    assert re.search(r'<button type="submit" name="language" value="en" lang="en">English</button>', form.group(2))
    assert 'value="nl"' not in form.group(2)  # the current language is not offered again
    response = support.post("/i18n/setlang/", {"language": "en", "next": "/nl/admin/datarights/datarequest/"},
                            headers={"Sec-Fetch-Site": "same-origin"})  # as the browser sends the admin's own form
    assert response.status_code == 302 and response["Location"] == "/en/admin/datarights/datarequest/"
    # The choice is kept: the admin's address without a language leads to the English admin.
    assert support.get("/admin/")["Location"].startswith("/en/admin/")

"""The visitor diff: the rendered text compared block by block and word by word, changes only by
default, labelled for screen readers in the visitor's language, sanitised, and never a 500."""

import datetime
import re
import time

import pytest
from django.urls import reverse
from django.utils import translation

from privacy.diffing import diff_rendered
from privacy.models import Document, Version
from privacy.services.statements import version_publish

pytestmark = pytest.mark.django_db

EN_REMOVED = '<del><span class="visually-hidden" lang="en">removed: </span>'
EN_ADDED = '<ins><span class="visually-hidden" lang="en">added: </span>'


def _publish_next(slug: str, language: str, body: str, user) -> Version:
    draft = Version.objects.create(
        document=Document.objects.get(slug=slug), language=language, title="Privacy", body=body,
        last_amended=datetime.date(2026, 11, 1),
    )
    return version_publish(version=draft, user=user, material=False)


def _current(slug: str = "ilumen", language: str = "en") -> str:
    return Version.objects.history(Document.objects.get(slug=slug), language).first().body


def _diff_of(page: str) -> str:
    return re.search(r'<div class="diff"[^>]*>(.*?)</div>', page, re.S).group(1)


@pytest.fixture
def changed_log_files(seeded, legal_publisher) -> Version:
    """Version 2 of the English statement: one word changed in the section on log files."""
    return _publish_next("ilumen", "en", _current().replace("default log files", "standard log files"),
                         legal_publisher)


def test_words_changed_inside_a_paragraph_are_marked_with_ins_and_del(client, changed_log_files):
    diff = _diff_of(client.get("/en/privacy/diff/?from=1&to=2").content.decode())
    assert f"{EN_REMOVED}default</del>{EN_ADDED}standard</ins> log files" in diff
    assert diff.count("<del>") == 1 and diff.count("<ins>") == 1  # only the word, not the paragraph


def test_the_rendered_text_is_compared_not_the_markdown(client, seeded, legal_publisher):
    old = "## Contact\n\nWrite to [our office](https://ilumen.be/contact/).\n\n- one\n- two"
    _publish_next("ilumen", "en", old, legal_publisher)
    _publish_next("ilumen", "en", old.replace("Write", "Please **write**").replace("- two", "- two\n- three"),
                  legal_publisher)
    diff = _diff_of(client.get("/en/privacy/diff/?from=2&to=3").content.decode())
    for markdown in ("##", "**", "](", "- three"):
        assert markdown not in diff
    assert '<h2 class="diff-equal">Contact</h2>' in diff
    assert f"{EN_REMOVED}Write</del>{EN_ADDED}Please </ins><strong>{EN_ADDED}write</ins></strong>" in diff
    assert '<a href="https://ilumen.be/contact/" rel="noopener noreferrer nofollow">our office</a>' in diff
    items = '<ul><li class="diff-equal">one</li><li class="diff-equal">two</li><li class="diff-insert">'
    assert f"{items}{EN_ADDED}three</ins></li></ul>" in diff


def test_only_the_changes_are_shown_by_default_with_some_context(client, changed_log_files):
    diff = _diff_of(client.get("/en/privacy/diff/?from=1&to=2").content.decode())
    assert "<h2 class=\"diff-equal\">Log files</h2>" in diff  # the block before the change
    assert "Ilumen Web Technologies website uses cookies" in diff  # the block after it
    assert "iLusmart App" not in diff and "This privacy statement was last amended" not in diff
    collapsed = [int(n) for n in re.findall(r"… (\d+) unchanged paragraphs …", diff)]
    assert len(collapsed) == 2 and all(n > 1 for n in collapsed)


def test_the_whole_document_switch_and_back(client, changed_log_files):
    page = client.get("/en/privacy/diff/?from=1&to=2").content.decode()
    switch = re.search(r'<a id="diff-switch" href="([^"]+)">([^<]+)</a>', page)
    assert switch.group(2) == "Show the whole document"
    whole_page = client.get(switch.group(1).replace("&amp;", "&")).content.decode()
    whole = _diff_of(whole_page)
    assert "iLusmart App" in whole and "This privacy statement was last amended" in whole
    assert "unchanged paragraph" not in whole
    assert f"{EN_REMOVED}default</del>" in whole
    back = re.search(r'<a id="diff-switch" href="([^"]+)">([^<]+)</a>', whole_page)
    assert (back.group(1), back.group(2)) == ("/en/privacy/diff/?from=1&amp;to=2", "Show only the changes")


def test_the_history_form_can_ask_for_the_whole_document(client, changed_log_files):
    history = client.get("/en/privacy/history/").content.decode()
    assert 'name="view" value="all"' in history
    response = client.get("/en/privacy/diff/", {"from": "1", "to": "2", "view": "all"})
    assert response.status_code == 200 and "iLusmart App" in response.content.decode()


def test_labels_and_collapsed_stretches_in_dutch(client, seeded, legal_publisher):
    _publish_next("ilumen", "nl", _current(language="nl").replace("Naam en voornaam", "Naam"), legal_publisher)
    diff = _diff_of(client.get("/nl/privacy/diff/?from=1&to=2").content.decode())
    removed = '<del><span class="visually-hidden" lang="nl">verwijderd: </span>'
    assert f'<li class="diff-change">Naam{removed} en voornaam</del>' in diff
    assert re.search(r"… \d+ ongewijzigde alinea’s …", diff)


def test_labels_follow_the_visitor_when_the_text_is_in_another_language(client, seeded, legal_publisher):
    body = _current("illuminoo").replace("agent", "assistant", 1)
    _publish_next("illuminoo", "en", body, legal_publisher)
    page = client.get("/nl/privacy/illuminoo/diff/?from=1&to=2").content.decode()
    assert '<div class="diff" lang="en">' in page
    diff = _diff_of(page)
    assert '<span class="visually-hidden" lang="nl">toegevoegd: </span>assistant' in diff
    assert "lang=\"en\">added" not in diff


@pytest.mark.parametrize("view", ["", "&view=all"])
def test_nothing_a_version_contains_can_run_on_the_diff_page(client, seeded, legal_publisher, view):
    _publish_next("ilumen", "en", "## Safe\n\nHello there.", legal_publisher)
    _publish_next(
        "ilumen", "en",
        "## Safe\n\nHello <script>alert('x')</script> there <img src=x onerror=alert(1)>."
        "\n\n<p onclick=\"steal()\">Click</p> [me](javascript:alert(1))"
        " <b style=\"color:red\" id=\"main-content\">b</b>"
        "\n\n<iframe src=\"https://evil.example\"></iframe><ins onmouseover=\"x()\">fake</ins>",
        legal_publisher,
    )
    diff = _diff_of(client.get(f"/en/privacy/diff/?from=2&to=3{view}").content.decode())
    for unsafe in ("<script", "alert", "onerror", "onclick", "onmouseover", "javascript:", "<img", "<iframe",
                   "style=", "main-content"):
        assert unsafe not in diff
    assert "Click" in diff and "fake" in diff


def test_old_diff_links_keep_working(client, changed_log_files):
    response = client.get("/en/privacy/diff/?from=1&to=2")
    assert response.status_code == 200
    assert "Differences between version 1 and version 2" in response.content.decode()
    # The history page's links are the old form of the address.
    assert 'href="/en/privacy/diff/?from=1&amp;to=2"' in client.get("/en/privacy/history/").content.decode()


@pytest.mark.parametrize(
    "query",
    [
        "from=abc&to=1",
        "from=1",
        "to=2",
        "",
        "from=&to=2",
        "from=%EF%BC%91&to=2",  # a full-width digit is not a number here
        "from=99999999999999999999&to=2",
        "from=-1&to=2",
        "from=1&to=2&view=everything",
        "from=1&to=2&view=",
        "from=1%00&to=2",
    ],
)
def test_malformed_addresses_get_a_clear_400_in_the_visitors_language(client, changed_log_files, query):
    english = client.get(f"/en/privacy/diff/?{query}")
    assert english.status_code == 400
    assert "This comparison address is incomplete or malformed" in english.content.decode()
    dutch = client.get(f"/nl/privacy/diff/?{query}")
    assert dutch.status_code == 400
    assert "Dit vergelijkingsadres is onvolledig of ongeldig" in dutch.content.decode()


@pytest.mark.parametrize("query", ["from=1&to=9", "from=0&to=2", "from=2&to=1&view=all"])
def test_versions_that_do_not_exist_are_a_404_and_a_reversed_pair_still_reads(client, changed_log_files, query):
    status = client.get(f"/en/privacy/diff/?{query}").status_code
    assert status == (200 if query.startswith("from=2") else 404)


def test_the_same_version_on_both_sides_says_so(client, changed_log_files):
    page = client.get("/en/privacy/diff/?from=2&to=2").content.decode()
    assert "These versions have the same text." in page
    assert "<ins>" not in _diff_of(page)


def test_a_paragraph_that_changed_beyond_recognition_is_shown_removed_and_added():
    with translation.override("en"):
        diff = diff_rendered("Alpha beta gamma delta.", "Completely other words here.").html
    assert diff == (
        f'<p class="diff-delete">{EN_REMOVED}Alpha beta gamma delta.</del></p>'
        f'<p class="diff-insert">{EN_ADDED}Completely other words here.</ins></p>'
    )


def test_blocks_replaced_by_others_are_shown_removed_together_then_added_together():
    with translation.override("en"):
        diff = diff_rendered(
            "Same start.\n\nFirst old thought.\n\nSecond old idea here.\n\nSame end.",
            "Same start.\n\nA wholly new sentence.\n\nAnother unrelated line.\n\nSame end.",
        ).html
    kinds = re.findall(r'class="diff-(\w+)"', diff)
    assert kinds == ["equal", "delete", "delete", "insert", "insert", "equal"]


def test_a_single_unchanged_block_between_changes_is_shown_not_collapsed():
    paragraphs = [f"Paragraph number {n} of the text." for n in range(20)]
    new = list(paragraphs)
    new[2], new[8] = "Paragraph number 2 of the new text.", "Paragraph number 8 of the new text."
    with translation.override("en"):
        diff = diff_rendered("\n\n".join(paragraphs), "\n\n".join(new)).html
    assert re.findall(r"… (\d+) unchanged paragraphs? …", diff) == ["9"]  # 11 to 19
    assert "Paragraph number 5 of the text." in diff  # between the contexts of the two changes
    assert "Paragraph number 0 of the text." in diff and "Paragraph number 10 of the text." in diff


def test_the_customers_statements_are_compared_quickly(seeded):
    """The longest statement against a version with a change in every paragraph."""
    body = max((v.body for v in Version.objects.all()), key=len)
    changed = re.sub(r"\bthe\b", "that", body)
    with translation.override("en"):
        diff_rendered(body, changed)  # warm up the Markdown extensions and translations
        started = time.perf_counter()
        for _ in range(5):
            diff_rendered(body, changed, whole=True)
        assert (time.perf_counter() - started) / 5 < 0.5


def test_the_admin_compare_page_shows_the_rendered_diff(client, seeded, legal_editor):
    draft = Version.objects.create(
        document=Document.objects.get(slug="ilumen"), language="en", title="Privacy",
        body=_current().replace("default log files", "*standard* log files"), last_amended=datetime.date(2026, 11, 1),
    )
    client.force_login(legal_editor)
    with translation.override("en"):
        url = reverse("admin:privacy_version_compare", args=[draft.pk])
    page = client.get(url).content.decode()
    assert f"{EN_REMOVED}default</del><em>{EN_ADDED}standard</ins></em>" in page


def test_markup_written_as_text_stays_text(client, seeded, legal_publisher):
    _publish_next("ilumen", "en", "Write `a < b` as code.", legal_publisher)
    _publish_next("ilumen", "en", "Write `<script>alert(1)</script>` as code & text.", legal_publisher)
    diff = _diff_of(client.get("/en/privacy/diff/?from=2&to=3").content.decode())
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in diff and "&amp; text" in diff
    assert "<script" not in diff


def test_the_second_sanitising_pass_keeps_only_the_marks_and_labels():
    from privacy.diffing import _sanitize

    cleaned = _sanitize(
        '<p class="diff-change x" onclick="y()"><ins><span class="visually-hidden evil" lang="nl" style="a">toegevoegd:'
        '</span>ok</ins><script>bad()</script><img src=x onerror=z()></p><h2 id="main" class="diff-equal">H</h2>'
    )
    assert cleaned == (
        '<p class="diff-change"><ins><span class="visually-hidden" lang="nl">toegevoegd:</span>ok</ins></p>'
        '<h2 class="diff-equal">H</h2>'
    )

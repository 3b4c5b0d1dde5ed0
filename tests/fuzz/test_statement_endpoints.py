"""Statement pages, diff arguments, language switch and Accept-Language: never a 500."""

from urllib.parse import quote, urlsplit

import pytest
from hypothesis import given
from hypothesis import strategies as st

pytestmark = pytest.mark.django_db

hostile_text = st.one_of(
    st.text(max_size=200),
    st.sampled_from(["-1", "0", "1e3", "0x10", "١", "１", "9" * 40, "1;DROP TABLE", "%00", "\r\nX-Injected: 1"]),
)


@given(old=hostile_text, new=hostile_text)
def test_diff_arguments_never_break_the_page(client, seeded, count_case, old, new):
    count_case()
    response = client.get("/en/privacy/diff/", {"from": old, "to": new})
    assert response.status_code in (200, 400, 404)  # 400: not version numbers; 404: no such version


@given(segment=st.text(min_size=1, max_size=60))
def test_statement_paths_never_break(client, seeded, count_case, segment):
    count_case()
    for path in (f"/nl/privacy/{quote(segment, safe='')}/", f"/en/privacy/v{quote(segment, safe='')}/",
                 f"/en/privacy/{quote(segment, safe='')}/history/"):
        assert client.get(path).status_code in (200, 301, 302, 404)


@given(header=st.text(max_size=300))
def test_any_accept_language_header_is_survived(client, count_case, header):
    count_case()
    response = client.get("/", headers={"accept-language": header.encode("utf-8", "surrogatepass").decode("latin-1")})
    assert response.status_code == 302
    assert response["Location"] in ("/nl/", "/en/")


@given(language=hostile_text, next_url=st.one_of(hostile_text, st.sampled_from([
    "//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)", "/en/privacy/",
])))
def test_language_switch_never_leaves_the_site(client, count_case, language, next_url):
    count_case()
    response = client.post("/i18n/setlang/", {"language": language, "next": next_url})
    assert response.status_code in (200, 302, 400)
    location = urlsplit(response.get("Location", "/"))
    assert location.scheme in ("", "http") and location.netloc in ("", "testserver")
    assert not location.path.startswith(("//", "/\\"))


@given(body=st.binary(max_size=2000))
def test_invalid_utf8_bodies_are_refused_cleanly(client, count_case, body):
    count_case()
    response = client.generic("POST", "/i18n/setlang/", body, content_type="application/x-www-form-urlencoded")
    assert response.status_code < 500

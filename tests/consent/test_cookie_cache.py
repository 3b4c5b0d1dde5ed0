"""The consent cookie's signature is checked once per value and process, never across a key change."""

import datetime
import uuid

from consent import cookie as consent_cookie
from consent.cookie import ConsentCookie


def _cookie() -> ConsentCookie:
    return ConsentCookie(
        consent_id=uuid.uuid4(), revision=1, granted=frozenset({"analytics"}), method="accept", gpc=False,
        given_at=datetime.datetime(2026, 11, 1, tzinfo=datetime.UTC),
    )


def test_a_value_is_verified_once_and_answers_the_same_choice(settings):
    made = _cookie()
    value = consent_cookie.encode(made)
    hits_before = consent_cookie._decoded.cache_info().hits
    assert consent_cookie.decode(value) == made
    assert consent_cookie.decode(value) == made
    assert consent_cookie._decoded.cache_info().hits == hits_before + 1


def test_a_new_secret_key_never_accepts_a_value_checked_with_the_old_one(settings):
    value = consent_cookie.encode(_cookie())
    assert consent_cookie.decode(value) is not None
    settings.SECRET_KEY = "another-secret-key-" + "z" * 40
    settings.SECRET_KEY_FALLBACKS = []
    assert consent_cookie.decode(value) is None


def test_a_tampered_value_is_refused_even_after_the_true_one_was_remembered():
    value = consent_cookie.encode(_cookie())
    assert consent_cookie.decode(value) is not None
    payload, signature = value.rsplit(":", 1)
    assert consent_cookie.decode(f"{payload}:{signature[::-1]}") is None
    assert consent_cookie.decode(value[:-1] + ("A" if value[-1] != "A" else "B")) is None

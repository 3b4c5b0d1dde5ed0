"""One TokenInvalid for every signed link: the newsletter's and the my-data links raise the same class."""

import uuid
from datetime import UTC, datetime, timedelta

import pytest
import time_machine

from core.tokens import TokenInvalid
from datarights import tokens as datarights_tokens
from newsletter import tokens as newsletter_tokens


def test_a_forged_newsletter_link_raises_the_shared_class_as_forged():
    with pytest.raises(TokenInvalid) as raised:
        newsletter_tokens.unsubscribe_token_read("not-a-token")
    assert raised.value.kind == "forged"


def test_a_preferences_token_is_no_unsubscribe_token():
    token = newsletter_tokens.preferences_token_make(uuid.uuid4())
    with pytest.raises(TokenInvalid) as raised:
        newsletter_tokens.unsubscribe_token_read(token)
    assert raised.value.kind == "forged"


def test_a_forged_my_data_link_raises_the_shared_class_as_forged():
    with pytest.raises(TokenInvalid) as raised:
        datarights_tokens.link_id_from_token("not-a-token")
    assert raised.value.kind == "forged"


def test_an_old_my_data_link_raises_the_shared_class_as_expired(settings):
    token = datarights_tokens.link_token(uuid.uuid4())
    later = datetime.now(UTC) + timedelta(hours=settings.DATARIGHTS_LINK_MAX_AGE_HOURS, minutes=1)
    with time_machine.travel(later), pytest.raises(TokenInvalid) as raised:
        datarights_tokens.link_id_from_token(token)
    assert raised.value.kind == "expired"


def test_an_expired_confirmation_is_not_an_invalid_token(settings):
    # The confirmation page offers a new link for an expired token and refuses an invalid one.
    nonce = uuid.uuid4()
    token = newsletter_tokens.confirm_token_make(nonce)
    later = datetime.now(UTC) + timedelta(days=settings.NEWSLETTER_CONFIRM_MAX_AGE_DAYS, minutes=1)
    with time_machine.travel(later), pytest.raises(newsletter_tokens.TokenExpired) as raised:
        newsletter_tokens.confirm_token_read(token)
    assert raised.value.nonce == nonce
    assert not isinstance(raised.value, TokenInvalid)

"""Correcting one's name through my-data: the same name check as every other entry point."""

import pytest

from newsletter.models import Subscriber

from .holdings import hold_everything
from .test_self_service import ADDRESS, _open

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(("language", "message"), [
    ("en", "A name can only hold letters, digits, spaces and punctuation, on one line."),
    ("nl", "Een naam bevat alleen letters, cijfers, spaties en leestekens, op één regel."),
])
@pytest.mark.parametrize("name", ["Eve\r\nBcc: attacker@evil.example", "Eve\nX-Injected: yes", "Eve\x00",
                                  "Eve\u2028Bcc: x"])
def test_my_data_refuses_a_name_with_line_breaks_or_control_characters(client, staff, language, message, name):
    hold = hold_everything(ADDRESS, "Eve", staff=staff, language=language)
    _open(client, language=language)
    response = client.post(f"/{language}/privacy/my-data/correct/", {
        "newsletter__name": name, "newsletter__language": language,
    })
    assert response.status_code == 400 and message in response.content.decode()
    assert Subscriber.objects.get(pk=hold.subscriber.pk).name == "Eve"


def test_my_data_refuses_an_over_long_name(client, staff):
    hold = hold_everything(ADDRESS, "Eve", staff=staff)
    _open(client)
    response = client.post("/en/privacy/my-data/correct/", {"newsletter__name": "E" * 151,
                                                              "newsletter__language": "en"})
    assert response.status_code == 400 and "A name can have at most 150 characters." in response.content.decode()
    assert Subscriber.objects.get(pk=hold.subscriber.pk).name == "Eve"

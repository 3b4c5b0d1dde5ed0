"""Errors on the subscription form are tied to their fields for screen readers (issue 15, point 13):
the address, the topics' group and the consent box each name their message."""

import pytest

from tests.a11y import errors_heard

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("language", ["nl", "en"])
def test_each_field_in_error_is_invalid_and_names_its_message(client, topic, language):
    response = client.post(f"/{language}/newsletter/", {"email": "ann@", "name": "Ann", "language": language})
    assert response.status_code == 400
    heard = errors_heard(response.content.decode())
    assert {"email", "consent"} <= set(heard)
    assert all(heard.values())
    topics = [key for key in heard if key not in ("email", "consent")]
    assert topics == ["id_topics_error"], heard  # the fieldset of topics names the topics' message
    assert len(set(heard.values())) == 3  # each names its own message


def test_a_form_without_errors_marks_nothing(client, topic):
    assert errors_heard(client.get("/en/newsletter/").content.decode()) == {}

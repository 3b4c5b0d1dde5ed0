"""Staff sign in with a password and a TOTP code; a password alone opens nothing."""

import re

import pytest
from django.conf import settings
from django.contrib.auth.models import User
from django.core.management import call_command
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

pytestmark = [pytest.mark.django_db, pytest.mark.real_second_factor]

PASSWORD = "a-long-test-password"


@pytest.fixture
def staff() -> User:
    return User.objects.create_superuser("root", "root@ilumen.be", PASSWORD)


def _sign_in(client, token: str = "", password: str = PASSWORD, ip: str = "127.0.0.1"):
    return client.post("/en/admin/login/?next=/en/admin/",
                       {"username": "root", "password": password, "otp_token": token}, REMOTE_ADDR=ip)


def _wrong_code(device: TOTPDevice) -> str:
    """A six-digit code that none of the time steps the device accepts right now would give."""
    accepted = {totp(device.bin_key, drift=drift) for drift in range(-device.tolerance, device.tolerance + 1)}
    return next(f"{n:06d}" for n in range(10**6) if n not in accepted)


def _page_without_tokens(response) -> str:
    """The answer as a visitor's browser gets it, less what differs with each request anyway
    (the CSRF token, the CSP nonce, and the code the visitor typed, echoed back as typed)."""
    page = response.content.decode()
    page = re.sub(r'name="otp_token"( value="[^"]*")?', 'name="otp_token"', page)
    page = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken"', page)
    return re.sub(r'nonce="[^"]+"', "nonce", page)


def test_password_and_a_current_code_open_the_admin(client, staff):
    device = TOTPDevice.objects.create(user=staff, name="app")
    response = _sign_in(client, f"{totp(device.bin_key):06d}")
    assert response.status_code == 302 and response["Location"] == "/en/admin/"
    assert client.get("/en/admin/").status_code == 200


@pytest.mark.parametrize("token", ["", "000000", "12345", "abcdef"])
def test_a_missing_or_wrong_code_opens_nothing(client, staff, token):
    device = TOTPDevice.objects.create(user=staff, name="app")
    if token == "000000" and f"{totp(device.bin_key):06d}" == token:
        pytest.skip("the random key made 000000 the current code")
    assert _sign_in(client, token).status_code == 200
    assert client.get("/en/admin/").status_code == 302


def test_every_failed_sign_in_answers_the_same(client, staff):
    device = TOTPDevice.objects.create(user=staff, name="app")
    answers = {
        "wrong password": _sign_in(client, f"{totp(device.bin_key):06d}", password="not-the-password"),
        "wrong code": _sign_in(client, _wrong_code(device)),
        "no code": _sign_in(client, ""),
    }
    assert {reason: answer.status_code for reason, answer in answers.items()} == dict.fromkeys(answers, 200)
    errors = {reason: re.findall(r'<p class="errornote">\s*(.*?)\s*</p>', answer.content.decode(), re.S)
              for reason, answer in answers.items()}
    assert errors["wrong password"] and len(set(map(tuple, errors.values()))) == 1, errors
    # Not only the message: the whole form (no device list, no password echoed back) is the same.
    pages = {reason: _page_without_tokens(answer) for reason, answer in answers.items()}
    assert len(set(pages.values())) == 1
    assert PASSWORD not in pages["wrong code"]


def test_a_failed_sign_in_is_explained_in_dutch_under_nl(client, staff):
    TOTPDevice.objects.create(user=staff, name="app")
    response = client.post("/nl/admin/login/", {"username": "root", "password": PASSWORD, "otp_token": "abcdef"})
    assert response.status_code == 200
    assert "Geef een juiste gebruikersnaam, een juist wachtwoord en een juiste code" in response.content.decode()


def test_wrong_codes_with_the_right_password_lock_the_network_out(client, staff):
    from django_otp.plugins.otp_static.models import StaticDevice, StaticToken

    device = TOTPDevice.objects.create(user=staff, name="app")
    backup = StaticDevice.objects.create(user=staff, name="backup").token_set.create(token=StaticToken.random_token())
    answers = [_sign_in(client, _wrong_code(device), ip="2001:db8:1:2::1").status_code
               for _ in range(settings.AXES_FAILURE_LIMIT)]
    assert answers == [200] * (settings.AXES_FAILURE_LIMIT - 1) + [429]
    # Locked: even the right code, and from any address of the same /64.
    assert _sign_in(client, f"{totp(device.bin_key):06d}", ip="2001:db8:1:2::1").status_code == 429
    assert _sign_in(client, backup.token, ip="2001:db8:1:2::99").status_code == 429
    assert client.get("/en/admin/").status_code == 302
    # Another network signs in (with a backup code: the authenticator app's own throttle still runs).
    response = _sign_in(client, backup.token, ip="2001:db8:9:9::1")
    assert response.status_code == 302 and response["Location"] == "/en/admin/"


def test_a_session_without_a_verified_device_is_sent_to_sign_in(client, staff):
    client.force_login(staff)
    response = client.get("/en/admin/privacy/version/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_staff_totp_command_enrols_an_authenticator(staff, capsys):
    call_command("staff_totp", "root")
    url = capsys.readouterr().out.strip()
    assert url.startswith("otpauth://totp/") and "issuer=iLumen" in url
    assert TOTPDevice.objects.filter(user=staff, confirmed=True).count() == 1

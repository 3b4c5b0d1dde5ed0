"""Staff sign in with a password and a TOTP code; a password alone opens nothing."""

import pytest
from django.contrib.auth.models import User
from django.core.management import call_command
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

pytestmark = [pytest.mark.django_db, pytest.mark.real_second_factor]

PASSWORD = "a-long-test-password"


@pytest.fixture
def staff() -> User:
    return User.objects.create_superuser("root", "root@ilumen.be", PASSWORD)


def _sign_in(client, token: str = ""):
    return client.post("/en/admin/login/?next=/en/admin/",
                       {"username": "root", "password": PASSWORD, "otp_token": token})


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


def test_a_session_without_a_verified_device_is_sent_to_sign_in(client, staff):
    client.force_login(staff)
    response = client.get("/en/admin/privacy/version/")
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_staff_totp_command_enrols_an_authenticator(staff, capsys):
    call_command("staff_totp", "root")
    url = capsys.readouterr().out.strip()
    assert url.startswith("otpauth://totp/") and "issuer=iLumen" in url
    assert TOTPDevice.objects.filter(user=staff, confirmed=True).count() == 1

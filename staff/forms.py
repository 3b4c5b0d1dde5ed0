from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.signals import user_login_failed
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from django_otp import devices_for_user
from django_otp.admin import OTPAdminAuthenticationForm
from django_otp.models import Device
from django_otp.plugins.otp_totp.models import TOTPDevice


def _takes(device: Device, token: str) -> bool:
    """An authenticator app's code is all digits; a backup code has letters."""
    return isinstance(device, TOTPDevice) == token.isdigit()


class StaffSignInForm(OTPAdminAuthenticationForm):
    """django-otp's admin sign-in, answering every failure alike and counting each one.

    A wrong password, a wrong or missing code, and a non-staff account all get the same
    message and the same form: anything else would tell a guesser that the password was
    right. Each of them is a failed login for django-axes, so guessing codes with a known
    password runs into the same lock-out as guessing passwords.
    """

    error_messages = {
        **OTPAdminAuthenticationForm.error_messages,
        "invalid_login": _("Please enter a correct username, password and code for a staff account."),
    }

    def clean(self) -> dict[str, Any]:
        try:
            return super().clean()
        except ValidationError:
            if self.user_cache is not None:
                # The password was right, so authenticate() reported nothing to axes: report it here.
                user_login_failed.send(
                    sender=__name__, credentials={"username": self.cleaned_data.get("username")}, request=self.request,
                )
                self.user_cache = None
            raise self.get_invalid_login_error() from None

    def _update_form(self, user: AbstractBaseUser) -> None:
        """django-otp lists the devices and echoes the password once the password is right; a
        failed sign-in must look the same whichever part was wrong, so the form stays as it was."""

    def _chosen_device(self, user: AbstractBaseUser) -> Device | None:
        """The device the code is for, so that no device list has to be shown.

        django-otp asks for an explicit device so that a code is never tried against every
        device (each miss would count against that device's throttle). Here the code's shape
        picks the device: the only confirmed device, or the only one that takes such a code.
        """
        chosen = super()._chosen_device(user)
        if chosen is not None or self.cleaned_data.get("otp_device"):
            return chosen
        devices = list(devices_for_user(user, confirmed=True))
        if len(devices) > 1:
            token = self.cleaned_data.get("otp_token") or ""
            devices = [device for device in devices if _takes(device, token)]
        return devices[0] if len(devices) == 1 else None

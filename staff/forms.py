from django.contrib.auth.base_user import AbstractBaseUser
from django_otp import devices_for_user
from django_otp.admin import OTPAdminAuthenticationForm
from django_otp.models import Device


class StaffSignInForm(OTPAdminAuthenticationForm):
    """django-otp's admin sign-in, which picks the device itself when the staff member has one.

    django-otp asks for an explicit device so that a code is never tried against every
    device; with a single device there is nothing to choose, and the code is checked
    against that device only.
    """

    def _chosen_device(self, user: AbstractBaseUser) -> Device | None:
        chosen = super()._chosen_device(user)
        if chosen is None and not self.cleaned_data.get("otp_device"):
            devices = list(devices_for_user(user, confirmed=True))
            if len(devices) == 1:
                return devices[0]
        return chosen

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class StaffConfig(AppConfig):
    name = "staff"
    verbose_name = _("Staff")

    def ready(self) -> None:
        # Every admin page needs a session verified with a second factor (django-otp's
        # documented way to switch the default admin site).
        from django.contrib import admin
        from django_otp.admin import OTPAdminSite

        from staff.forms import StaffSignInForm

        admin.site.__class__ = OTPAdminSite
        admin.site.login_form = StaffSignInForm

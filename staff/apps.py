from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _roles_sync(sender, *, using: str, apps=None, **kwargs) -> None:
    from staff.services import roles_sync

    # flush (a test database between transactional tests) sends no migration state.
    roles_sync(apps=apps or sender.apps, using=using)


class StaffConfig(AppConfig):
    name = "staff"
    verbose_name = _("Staff")

    def ready(self) -> None:
        # Every admin page needs a session verified with a second factor (django-otp's
        # documented way to switch the default admin site).
        from django.contrib import admin
        from django_otp.admin import OTPAdminSite

        from staff import checks  # noqa: F401 - registers the roles check
        from staff.forms import StaffSignInForm

        admin.site.__class__ = OTPAdminSite
        admin.site.login_form = StaffSignInForm
        admin.site.site_header = _("iLumen administration")
        admin.site.site_title = _("iLumen administration")
        admin.site.index_title = _("Today's work")
        # The groups follow staff/roles.py on every migrate (and every test database flush).
        # post_migrate is sent once per app with models (staff has none): once, for auth, is
        # enough, as roles_sync creates every app's permissions itself.
        post_migrate.connect(_roles_sync, sender=self.apps.get_app_config("auth"), dispatch_uid="staff.roles_sync")

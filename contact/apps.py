from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ContactConfig(AppConfig):
    name = "contact"
    verbose_name = _("Contact form")

    def ready(self) -> None:
        from contact import personal_data  # noqa: F401  (registers with datarights)

from django.apps import AppConfig
from django.utils.module_loading import autodiscover_modules
from django.utils.translation import gettext_lazy as _


class DatarightsConfig(AppConfig):
    name = "datarights"
    verbose_name = _("Data rights")

    def ready(self) -> None:
        from datarights import checks  # noqa: F401  (system checks)

        # Every app's personal-data sources and retention rules, as the admin finds admin.py.
        autodiscover_modules("personal_data")

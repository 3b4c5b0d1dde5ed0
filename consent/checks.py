"""System checks: what the environment pins for the integrations is held to the admin's rules."""

from django.conf import settings
from django.core import checks
from django.core.exceptions import ValidationError

from consent.integrations import NETWORKS
from consent.models import validate_matomo_url, validate_measurement_id


@checks.register(checks.Tags.security)
def integration_settings_check(app_configs, **kwargs) -> list[checks.CheckMessage]:
    problems: list[checks.CheckMessage] = []

    def refuse(setting: str, message: str) -> None:
        problems.append(checks.Error(f"{setting}: {message}", id="consent.E001"))

    for setting, validate in (("GA_MEASUREMENT_ID", validate_measurement_id), ("MATOMO_URL", validate_matomo_url)):
        value = getattr(settings, setting)
        if value:
            try:
                validate(value)
            except ValidationError as error:
                refuse(setting, " ".join(error.messages))
    if bool(settings.MATOMO_URL) != (settings.MATOMO_SITE_ID is not None):
        refuse("MATOMO_URL", "MATOMO_URL and MATOMO_SITE_ID go together: set both, or neither.")
    elif settings.MATOMO_SITE_ID is not None and settings.MATOMO_SITE_ID < 1:
        refuse("MATOMO_SITE_ID", "Matomo's site IDs start at 1.")
    unknown = sorted(set(settings.SOCIAL_BUTTONS) - {str(kind) for kind in NETWORKS})
    if unknown:
        refuse("SOCIAL_BUTTONS", f"unknown networks {', '.join(unknown)} (facebook, x, linkedin).")
    return problems

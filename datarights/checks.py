"""System checks: every model with personal data is covered (registry), and the erasure key."""

from django.conf import settings
from django.core import checks

from core.registry import check_registry  # noqa: F401  (registered where it is defined)


@checks.register(checks.Tags.security, deploy=True)
def check_erasure_key(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    key = getattr(settings, "ERASURE_HMAC_KEY", "")
    if not key:
        return [checks.Error("ERASURE_HMAC_KEY is not set.", hint="Set it in the environment (see .env.example).",
                             id="datarights.E010")]
    if key == settings.SECRET_KEY:
        return [checks.Error("ERASURE_HMAC_KEY must differ from SECRET_KEY.", id="datarights.E011")]
    if len(key) < 32:
        return [checks.Warning("ERASURE_HMAC_KEY is short; use at least 32 random characters.", id="datarights.W012")]
    return []

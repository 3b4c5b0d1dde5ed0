from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NewsletterConfig(AppConfig):
    name = "newsletter"
    verbose_name = _("Newsletter")

    def ready(self) -> None:
        from newsletter import provider_webhooks, receivers, tasks  # noqa: F401 (provider_webhooks: its check)

        tasks.connect()  # turns the services' announcements into tasks
        receivers.connect()

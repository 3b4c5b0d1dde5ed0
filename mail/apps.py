from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailConfig(AppConfig):
    name = "mail"
    verbose_name = _("E-mail")

    def ready(self) -> None:
        from mail import (
            checks,  # noqa: F401 - registers the DKIM system checks
            tasks,  # connects the outbox's signal to the task that sends the message
        )

        tasks.connect()

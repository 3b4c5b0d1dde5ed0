from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PagesConfig(AppConfig):
    name = "pages"
    verbose_name = _("Site pages")

    def ready(self) -> None:
        from mail.layout import sender_identity_provide
        from pages.selectors import company_identity_text

        # mail sits below pages: it learns the sender's identity for its e-mail footers from here.
        sender_identity_provide(company_identity_text)

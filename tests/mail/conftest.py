from tests.newsletter.conftest import smtp_mail, smtp_server  # noqa: F401 - the real SMTP test server

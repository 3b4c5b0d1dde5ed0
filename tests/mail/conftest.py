from tests.newsletter.conftest import (  # noqa: F401 - the real SMTP test server and Celery workers
    celery_broker,
    smtp_mail,
    smtp_server,
    start_worker,
)

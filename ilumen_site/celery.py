"""The Celery app: `celery -A ilumen_site worker` starts a worker.

Configuration comes from the Django settings prefixed `CELERY_`; without
`CELERY_BROKER_URL` tasks run eagerly in the calling process.
"""

import os

from celery import Celery
from kombu.transport import TRANSPORT_ALIASES

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ilumen_site.settings")

# redis:// brokers use kombu's Redis transport with one Redis client per channel (core/broker.py),
# in the web processes, the workers and the tests alike.
TRANSPORT_ALIASES["redis"] = TRANSPORT_ALIASES["rediss"] = "core.broker:Transport"

app = Celery("ilumen_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

"""The Celery app: `celery -A ilumen_site worker` starts a worker.

Configuration comes from the Django settings prefixed `CELERY_`; without
`CELERY_BROKER_URL` tasks run eagerly in the calling process.
"""

import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ilumen_site.settings")

app = Celery("ilumen_site")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

"""gunicorn bench.wsgi: the production site with the bench URLs (bare baseline view) added."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "bench.settings")

from django.core.wsgi import get_wsgi_application

application = get_wsgi_application()

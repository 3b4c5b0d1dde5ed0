"""gunicorn bench.wsgi: the production site with the bench URLs (bare baseline view) added."""

import os

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ilumen_site.settings")
os.environ.setdefault("ROOT_URLCONF", "bench.urls")

from django.core.wsgi import get_wsgi_application

application = get_wsgi_application()

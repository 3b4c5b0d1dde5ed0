"""The site's settings with the benchmarks' URL map: the site plus bare baseline views."""

from ilumen_site.settings import *  # noqa: F403

ROOT_URLCONF = "bench.urls"

"""The WSGI application the OCDS benchmark serves with gunicorn: CivicPact as deployed, plus one minimal Django view
(`/bench/minimal-records`) that returns the same rows as the record list endpoint as plain JSON — the baseline of
`api_ratio`. Only the benchmark loads this module; the deployment's URLs are unchanged."""

from __future__ import annotations

import os

import django
from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "civicpact.settings")
django.setup()

from django.conf import settings  # noqa: E402 (after setup, as a WSGI module must)

settings.ROOT_URLCONF = "benchmarks.ocds_urls"
application = get_wsgi_application()

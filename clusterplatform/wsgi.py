"""WSGI entry point (gunicorn clusterplatform.wsgi)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "clusterplatform.settings")
application = get_wsgi_application()

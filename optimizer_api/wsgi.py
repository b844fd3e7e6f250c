"""What gunicorn loads: `gunicorn optimizer_api.wsgi:app`."""

from . import create_app

app = create_app()

"""WSGI entry point: `gunicorn wsgi:app` or `flask --app wsgi …`."""

from portal import create_app, freeze_loaded_objects

app = create_app()
freeze_loaded_objects()

"""Broadcasts Celery's remote-control `ping` (pidbox fanout on Redis) and prints how many replies came back."""
import json

from celery_app import app

replies = app.control.ping(timeout=1.0)
print(json.dumps(replies), flush=True)

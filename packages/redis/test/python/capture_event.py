"""Receives one Celery event (PSUBSCRIBE /{db}.celeryev/*) and prints it as JSON: capture_event.py TIMEOUT."""
import json
import socket
import sys

from celery_app import app

captured = []


def on_event(event):
    captured.append(event)
    raise KeyboardInterrupt  # stop capturing after the first one


with app.connection_for_read() as connection:
    receiver = app.events.Receiver(connection, handlers={'*': on_event})
    print('listening', flush=True)
    try:
        # limit counts drain rounds, not events (the subscription's confirmation is one): stop from the handler.
        receiver.capture(limit=None, timeout=float(sys.argv[1]), wakeup=False)
    except (KeyboardInterrupt, socket.timeout):
        pass
print(json.dumps(captured[0] if captured else None), flush=True)

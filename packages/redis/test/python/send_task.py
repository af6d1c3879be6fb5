"""Sends one task with Celery's own client and prints its id: send_task.py NAME ARGS_JSON [PRIORITY]."""
import json
import sys

from celery_app import app

options = {'queue': app.conf.task_default_queue}
if len(sys.argv) > 3:
    options['priority'] = int(sys.argv[3])
result = app.send_task(sys.argv[1], args=json.loads(sys.argv[2]), **options)
print(result.id, flush=True)

"""Waits for a result with Celery's own AsyncResult and prints it as JSON: get_result.py TASK_ID [TIMEOUT]."""
import json
import sys

from celery_app import app

result = app.AsyncResult(sys.argv[1])
value = result.get(timeout=float(sys.argv[2]) if len(sys.argv) > 2 else 20, propagate=False)
print(json.dumps({'state': result.state, 'result': value if result.state == 'SUCCESS' else repr(value)}), flush=True)

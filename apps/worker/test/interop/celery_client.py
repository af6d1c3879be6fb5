"""A Celery 5.2 client for tq's interop tests: sends tasks with app.send_task and reads each result with
AsyncResult.get(), using interop_celery's app (configured from the environment).

  celery_client.py SPEC_JSON
      SPEC_JSON: {"calls": [{"name", "args", "kwargs", "options"}], "timeout": seconds}; options go to send_task
      (countdown, expires, ...); bytes in args and kwargs are written {"__bytes__": hex}.
      Prints one JSON line per call as it is sent ({"sent": id}), then one per result:
      {"id", "sentAt" (ms), "ok", "value", "types", "state"} or {"id", "ok": false, "excType", "excModule", "excArgs"}.
      Values are JSON with bytes as {"__bytes__": hex}; "types" names each value's Python type, so a test can tell
      an int from a float and bytes from str.
"""

import json
import sys
import time

from interop_celery import app


def encode(value):
    if isinstance(value, bytes):
        return {'__bytes__': value.hex()}
    if isinstance(value, dict):
        return {str(k): encode(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    return value


def decode(value):
    """The inverse of encode: {"__bytes__": hex} in a call's args/kwargs becomes bytes."""
    if isinstance(value, dict):
        if set(value) == {'__bytes__'}:
            return bytes.fromhex(value['__bytes__'])
        return {k: decode(v) for k, v in value.items()}
    if isinstance(value, list):
        return [decode(v) for v in value]
    return value


def types_of(value):
    if isinstance(value, dict):
        return {str(k): types_of(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [types_of(v) for v in value]
    return type(value).__name__


def main():
    spec = json.loads(sys.argv[1])
    timeout = spec.get('timeout', 30)
    sent = []
    for call in spec['calls']:
        options = dict(call.get('options', {}))
        if app.conf.task_compression:
            # Celery 5.2's send_task compresses with result_compression, not task_compression (app/amqp.py:450),
            # so the task's compression is passed explicitly, as Task.apply_async would.
            options['compression'] = app.conf.task_compression
        sent_at = time.time() * 1000
        result = app.send_task(call['name'], args=decode(call.get('args', [])), kwargs=decode(call.get('kwargs', {})), **options)
        sent.append((result, sent_at))
        print(json.dumps({'sent': result.id}), flush=True)
    for result, sent_at in sent:
        out = {'id': result.id, 'sentAt': sent_at}
        try:
            value = result.get(timeout=timeout)
            out.update(ok=True, value=encode(value), types=types_of(value))
        except Exception as error:  # the test asserts on the class Celery rebuilt
            out.update(ok=False, excType=type(error).__name__, excModule=type(error).__module__,
                       excArgs=[encode(arg) for arg in error.args])
        out['state'] = result.state
        print(json.dumps(out), flush=True)


if __name__ == '__main__':
    main()

"""The Python Celery 5.2 side of tq's interop tests (run with Debian's /usr/bin/python3).

Configured from the environment so one module serves every scenario:
  INTEROP_BROKER       broker URL (redis://... or amqp://...)
  INTEROP_BACKEND      result backend URL (redis://..., rpc://) or empty for none
  INTEROP_QUEUE        the test's own queue (task_default_queue, and what a worker consumes)
  INTEROP_KEY_PREFIX   kombu's global_keyprefix for a Redis broker (keeps the test's broker keys apart)
  INTEROP_SERIALIZER   json (default) or msgpack, for tasks and results
  INTEROP_COMPRESSION  task_compression (e.g. gzip), unset for none
  INTEROP_ACCEPT       accept_content, comma-separated (default: msgpack,json with msgpack, else json)

Used as a worker (`python3 -m celery -A interop_celery worker ...`) and by celery_client.py.
"""

import os
import time

from celery import Celery

broker = os.environ['INTEROP_BROKER']
backend = os.environ.get('INTEROP_BACKEND') or None
serializer = os.environ.get('INTEROP_SERIALIZER') or 'json'

app = Celery('interop_celery', broker=broker, backend=backend)
app.conf.update(
    task_default_queue=os.environ['INTEROP_QUEUE'],
    task_serializer=serializer,
    result_serializer=serializer,
    accept_content=(os.environ.get('INTEROP_ACCEPT') or ('msgpack,json' if serializer == 'msgpack' else 'json')).split(','),
    task_compression=os.environ.get('INTEROP_COMPRESSION') or None,
    result_expires=600,
    worker_hijack_root_logger=False,
)
if os.environ.get('INTEROP_KEY_PREFIX'):
    app.conf.broker_transport_options = {'global_keyprefix': os.environ['INTEROP_KEY_PREFIX']}


class QuotaExceeded(Exception):
    """An exception class only this module has: tq learns its name and module, not the class."""


@app.task(name='py.add')
def add(x, y):
    return x + y


@app.task(name='py.fail')
def fail(value):
    raise ValueError('bad input: %r' % (value,))


@app.task(name='py.quota')
def quota(used, limit):
    raise QuotaExceeded('used %d of %d' % (used, limit))


@app.task(name='py.echo')
def echo(*args, **kwargs):
    return {'args': list(args), 'kwargs': kwargs}


@app.task(name='py.stamp', bind=True)
def stamp(self, raw):
    """A 13-digit millisecond timestamp (an int beyond 32 bits), bytes back and forth, a float (msgpack only), and
    the message's compression header."""
    return {'at': int(time.time() * 1000), 'raw': bytes(raw) + b'\xff', 'got': type(raw).__name__, 'half': 0.5,
            'compression': getattr(self.request, 'compression', None)}

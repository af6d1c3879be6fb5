"""A Celery 5.2 app for the interop tests. Everything comes from the environment so each test runs on its own
queue and key prefix: TQ_BROKER, TQ_BACKEND, TQ_PREFIX (kombu global_keyprefix), TQ_QUEUE, TQ_VT (seconds)."""
import os

from celery import Celery

app = Celery('tqtest', broker=os.environ['TQ_BROKER'], backend=os.environ.get('TQ_BACKEND'))
app.conf.broker_transport_options = {
    'global_keyprefix': os.environ.get('TQ_PREFIX', ''),
    'visibility_timeout': float(os.environ.get('TQ_VT', '3600')),
}
app.conf.task_default_queue = os.environ.get('TQ_QUEUE', 'celery')
app.conf.task_acks_late = True
app.conf.worker_prefetch_multiplier = 1
app.conf.result_expires = 600


@app.task(name='tasks.add')
def add(x, y):
    return x + y


@app.task(name='tasks.echo')
def echo(*args, **kwargs):
    return {'args': list(args), 'kwargs': kwargs}


@app.task(name='tasks.fail')
def fail(message):
    raise ValueError(message)


@app.task(name='tasks.tsum')
def tsum(numbers):
    return sum(numbers)

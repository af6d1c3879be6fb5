"""Runs kombu's own visibility-timeout restore (QoS.restore_visible) once, with TQ_VT and TQ_PREFIX."""
import os

from kombu import Connection

with Connection(os.environ['TQ_BROKER'], transport_options={
    'global_keyprefix': os.environ.get('TQ_PREFIX', ''),
    'visibility_timeout': float(os.environ['TQ_VT']),
}) as conn:
    channel = conn.default_channel
    channel.qos.restore_visible(num=1000)
    print('restored', flush=True)

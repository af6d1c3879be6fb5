"""Takes one message the way a kombu consumer does (recorded in unacked) and dies without acking or restoring,
like a worker killed mid-task: kombu_take.py QUEUE."""
import json
import os
import sys

from kombu import Connection

conn = Connection(os.environ['TQ_BROKER'], transport_options={'global_keyprefix': os.environ.get('TQ_PREFIX', '')})
channel = conn.default_channel
message = channel.basic_get(sys.argv[1], no_ack=False)
print(json.dumps({'tag': message.delivery_tag if message else None}), flush=True)
os._exit(0)

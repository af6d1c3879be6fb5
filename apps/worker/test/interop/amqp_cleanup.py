"""Deletes RabbitMQ queues and exchanges a test created: amqp_cleanup.py BROKER_URL NAME... (each NAME is removed
as a queue, as `<NAME>.dead`, and as an exchange; missing ones are ignored)."""

import sys

from kombu import Connection


def main():
    url, names = sys.argv[1], sys.argv[2:]
    with Connection(url) as connection:
        for name in names:
            for action, target in (('queue_delete', name), ('queue_delete', name + '.dead'), ('exchange_delete', name)):
                channel = connection.channel()
                try:
                    getattr(channel, action)(target)
                except Exception:  # a refusal (e.g. NOT_FOUND) closes only this channel
                    pass
                finally:
                    try:
                        channel.close()
                    except Exception:
                        pass


if __name__ == '__main__':
    main()

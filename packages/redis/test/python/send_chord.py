"""Sends a Celery chord: add(i, i) for i < N as the header, tsum as the body; prints the body's result id."""
import sys

from celery import chord

from celery_app import add, tsum

result = chord([add.s(i, i) for i in range(int(sys.argv[1]))])(tsum.s())
print(result.id, flush=True)

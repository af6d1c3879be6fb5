import { afterAll, describe, expect, test } from 'vitest';
import { RedisResultBackend, RedisTransport } from '../src/index.js';
import { CLUSTER_NODES, CLUSTER_URL, clusterKeys, clusterUp, dropClusterPrefix, rawCluster, rawNode, uniqueClusterPrefix } from './cluster-support.js';
import { message, take, text, waitUntil } from './helpers.js';

const prefixes: string[] = [];
const success = (taskId: string, result: unknown) => ({ status: 'SUCCESS', result, traceback: null, children: [], date_done: null, task_id: taskId });
function prefix(label: string): string {
  const made = uniqueClusterPrefix(label);
  prefixes.push(made);
  return made;
}

afterAll(async () => {
  if (!clusterUp) return;
  const cluster = rawCluster();
  for (const made of prefixes) await dropClusterPrefix(cluster, made);
  cluster.disconnect();
});

/** The node that owns the slot of a key, and one that does not. */
async function owners(key: string): Promise<{ owner: number; other: number }> {
  const node = rawNode(CLUSTER_NODES[0]!.port);
  try {
    const slot = Number(await node.cluster('KEYSLOT', key));
    const range = (await node.cluster('SLOTS')).find(([from, to]) => slot >= from && slot <= to);
    const owner = range?.[2]?.[1];
    if (owner === undefined) throw new Error(`no node serves slot ${slot}`);
    const other = CLUSTER_NODES.map((node) => node.port).find((port) => port !== owner)!;
    return { owner, other };
  } finally {
    node.disconnect();
  }
}

describe.skipIf(!clusterUp)('Redis Cluster', () => {
  test('every key the transport and the backend write lands in the one slot of the prefix’s hash tag', async () => {
    const keyPrefix = prefix('slots');
    const transport = new RedisTransport({ url: CLUSTER_URL, keyPrefix, onError: () => {} });
    const backend = new RedisResultBackend({ url: CLUSTER_URL, keyPrefix });
    try {
      await transport.declareExchange({ name: 'fan', type: 'fanout' });
      await transport.bindQueue({ exchange: 'fan', routingKey: '', queue: 'a' });
      await transport.publish(message('now'), { queue: 'a', priority: 9 });
      await transport.publish(message('low'), { queue: 'b', priority: 0 });
      await transport.publish(message('later'), { queue: 'a', delayMs: 60_000 });
      await transport.publish(message('routed'), { exchange: 'fan', routingKey: '' });
      const controller = new AbortController();
      const [held] = await take(transport.consume(['a', 'b'], { prefetch: 1, signal: controller.signal })[Symbol.asyncIterator](), 1);
      await backend.store('t1', success('t1', 1));
      await backend.saveGroup('g1', { group_id: 'g1', result: [], date_done: null });
      await backend.setChordSize('c1', 2);
      await backend.chordPartCompleted('c1', { taskId: 't1', state: 'SUCCESS', result: 1, index: 0 });

      const cluster = rawCluster();
      try {
        const keys = await clusterKeys(cluster, keyPrefix);
        // unacked and its index, queues and a priority bucket, the delayed set, a binding, results, chord counters.
        expect(keys).toEqual(
          expect.arrayContaining(
            ['unacked', 'unacked_index', 'b\x06\x169', 'tq.delayed.a', '_kombu.binding.fan', 'celery-task-meta-t1', 'celery-taskset-meta-g1', 'celery-taskset-meta-c1.j', 'celery-taskset-meta-c1.s'].map(
              (name) => `${keyPrefix}${name}`,
            ),
          ),
        );
        const slots = new Set(await Promise.all(keys.map(async (key) => Number(await cluster.cluster('KEYSLOT', key)))));
        const tagSlot = Number(await cluster.cluster('KEYSLOT', keyPrefix.slice(1, keyPrefix.indexOf('}'))));
        expect([...slots]).toEqual([tagSlot]);
      } finally {
        cluster.disconnect();
      }
      await held?.ack();
      controller.abort();
    } finally {
      await transport.close();
      await backend.close();
    }
  });

  test('a task published through one node is consumed through another, and its result waited for across nodes', async () => {
    const keyPrefix = prefix('nodes');
    const { owner, other } = await owners(`${keyPrefix}x`);
    // The producer knows only a node that does not own the slot: it follows the redirect. The consumer knows only the owner.
    const producer = new RedisTransport({ url: `redis+cluster://127.0.0.1:${other}`, keyPrefix, onError: () => {} });
    const consumer = new RedisTransport({ url: `redis+cluster://127.0.0.1:${owner}`, keyPrefix, onError: () => {} });
    const waiting = new RedisResultBackend({ url: `redis+cluster://127.0.0.1:${other}`, keyPrefix });
    const storing = new RedisResultBackend({ url: `redis+cluster://127.0.0.1:${owner}`, keyPrefix });
    try {
      const controller = new AbortController();
      const deliveries = consumer.consume(['work'], { prefetch: 4, signal: controller.signal })[Symbol.asyncIterator]();
      await producer.publish(message('hello'), { queue: 'work' });
      await producer.publish(message('soon'), { queue: 'work', delayMs: 200 });
      const received = await take(deliveries, 2);
      expect(received.map(text)).toEqual(['hello', 'soon']);
      const result = waiting.waitFor('task-1', { timeoutMs: 10_000 });
      await storing.store('task-1', success('task-1', 'done'));
      await expect(result).resolves.toMatchObject({ status: 'SUCCESS', result: 'done' });
      for (const delivery of received) await delivery.ack();
      controller.abort();
      const direct = rawNode(owner);
      try {
        expect(await direct.hlen(`${keyPrefix}unacked`)).toBe(0);
      } finally {
        direct.disconnect();
      }
    } finally {
      await Promise.all([producer.close(), consumer.close(), waiting.close(), storing.close()]);
    }
  });

  test('a message left unacked by one transport is restored and delivered through another', async () => {
    const keyPrefix = prefix('restore');
    const first = new RedisTransport({ url: CLUSTER_URL, keyPrefix, visibilityTimeoutMs: 300, renewLeases: false, onError: () => {} });
    const second = new RedisTransport({ url: CLUSTER_URL, keyPrefix, visibilityTimeoutMs: 300, onError: () => {} });
    try {
      await first.publish(message('orphan'), { queue: 'jobs' });
      const stop = new AbortController();
      const [taken] = await take(first.consume(['jobs'], { prefetch: 1, signal: stop.signal })[Symbol.asyncIterator](), 1);
      expect(taken && text(taken)).toBe('orphan');
      // The first worker never acks; once the lease is old enough the sweep puts the message back.
      await waitUntil('the lease ran out and the sweep restored the message', async () => (await second.restoreExpired()) > 0 || (await second.size('jobs')) > 0);
      const controller = new AbortController();
      const [again] = await take(second.consume(['jobs'], { prefetch: 1, signal: controller.signal })[Symbol.asyncIterator](), 1);
      expect(again && text(again)).toBe('orphan');
      expect(again?.redelivered).toBe(true);
      await again?.ack();
      controller.abort();
      stop.abort();
    } finally {
      await first.close({ force: true });
      await second.close();
    }
  });
});

import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { RedisResultBackend, RedisTransport } from '../src/index.js';
import { clusterUp, PrivateCluster, rawNode } from './cluster-support.js';
import { message, take, text } from './helpers.js';

// Connection loss on a cluster, on a one-node cluster of the test's own (killing connections on the shared
// cluster would break the other cluster tests running at the same time).
describe.skipIf(!clusterUp)('Redis Cluster: lost connections (private one-node cluster)', () => {
  let cluster: PrivateCluster;
  beforeAll(async () => {
    cluster = await PrivateCluster.start();
  });
  afterAll(async () => {
    await cluster?.stop();
  });

  test('killing every client connection (blocking and pub/sub ones included) does not stop consumption', async () => {
    const transport = new RedisTransport({ url: cluster.url, keyPrefix: '{kill}:', idleWaitMs: 1000, onError: () => {} });
    const controller = new AbortController();
    try {
      const deliveries = transport.consume(['q'], { prefetch: 2, signal: controller.signal })[Symbol.asyncIterator]();
      await transport.publish(message('before'), { queue: 'q' });
      const [first] = await take(deliveries, 1);
      await first?.ack();
      const node = rawNode(cluster.port);
      let killed = 0;
      try {
        for (const type of ['normal', 'pubsub']) killed += Number(await node.call('CLIENT', 'KILL', 'TYPE', type, 'SKIPME', 'yes'));
      } finally {
        node.disconnect();
      }
      expect(killed).toBeGreaterThanOrEqual(2);
      await transport.publish(message('after'), { queue: 'q' });
      await transport.publish(message('delayed'), { queue: 'q', delayMs: 300 });
      const after = await take(deliveries, 2, 15_000);
      expect(after.map(text)).toEqual(['after', 'delayed']);
      for (const delivery of after) await delivery.ack();
    } finally {
      controller.abort();
      await transport.close();
    }
  });

  test('a consumer and a pending waitFor resume by themselves after the cluster node restarts', async () => {
    const transport = new RedisTransport({ url: cluster.url, keyPrefix: '{restart}:', idleWaitMs: 1000, onError: () => {} });
    const backend = new RedisResultBackend({ url: cluster.url, keyPrefix: '{restart}:' });
    const controller = new AbortController();
    try {
      const deliveries = transport.consume(['q'], { prefetch: 2, signal: controller.signal })[Symbol.asyncIterator]();
      await transport.publish(message('before'), { queue: 'q' });
      const [first] = await take(deliveries, 1);
      await first?.ack();
      const waiting = backend.waitFor('t-restart', { timeoutMs: 20_000 });
      await cluster.restart(300);
      await transport.publish(message('after'), { queue: 'q' });
      const [after] = await take(deliveries, 1, 15_000);
      expect(after && text(after)).toBe('after');
      await after?.ack();
      const writer = new RedisResultBackend({ url: cluster.url, keyPrefix: '{restart}:' });
      try {
        await writer.store('t-restart', { status: 'SUCCESS', result: 7, traceback: null, children: [], date_done: null, task_id: 't-restart' });
      } finally {
        await writer.close();
      }
      await expect(waiting).resolves.toMatchObject({ status: 'SUCCESS', result: 7 });
    } finally {
      controller.abort();
      await transport.close();
      await backend.close();
    }
  });
});

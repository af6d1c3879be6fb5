/**
 * Result-backend speed against memcached on 127.0.0.1:11211: sequential and concurrent store/get of a typical
 * result meta, and how long waitFor takes to notice a result (polling). Numbers are indicative (shared cores).
 * Run: node --import tsx --conditions=@tq/source packages/backend-memcached/bench/speed.ts [count]
 */
import { randomUUID } from 'node:crypto';
import { memcachedBackend } from '../src/index.js';

const count = Number(process.argv[2] ?? 5000);
const backend = memcachedBackend({
  url: 'memcached://127.0.0.1:11211',
  keyPrefix: `bench.${randomUUID().slice(0, 8)}.`,
  expiresMs: 60_000,
});
const meta = (id: string) => ({
  status: 'SUCCESS',
  result: { order_id: 981_223, total: 19.99, items: ['a', 'b', 'c'] },
  traceback: null,
  children: [],
  date_done: '2024-01-01T12:00:00.531000',
  task_id: id,
});

async function timed(label: string, n: number, fn: () => Promise<void>): Promise<void> {
  const start = process.hrtime.bigint();
  await fn();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(
    `${label.padEnd(44)} ${Math.round(n / seconds)
      .toLocaleString('en')
      .padStart(8)} ops/s`,
  );
}

await backend.connect();
const ids = Array.from({ length: count }, () => randomUUID());
await timed('store, sequential (get + add/cas each)', count, async () => {
  for (const id of ids) await backend.store(id, meta(id));
});
await timed('get, sequential', count, async () => {
  for (const id of ids) await backend.get(id);
});
await timed('store, 100 concurrent', count, async () => {
  for (let i = 0; i < ids.length; i += 100)
    await Promise.all(ids.slice(i, i + 100).map((id) => backend.store(`${id}-c`, meta(id))));
});
await timed('get, 100 concurrent', count, async () => {
  for (let i = 0; i < ids.length; i += 100) await Promise.all(ids.slice(i, i + 100).map((id) => backend.get(id)));
});
const lags: number[] = [];
for (let i = 0; i < 20; i++) {
  const id = randomUUID();
  let storedAt = 0;
  const waiting = backend.waitFor(id, { timeoutMs: 5000 }).then(() => Date.now() - storedAt);
  await new Promise((resolve) => setTimeout(resolve, 50 + i * 37));
  storedAt = Date.now();
  await backend.store(id, meta(id));
  lags.push(await waiting);
  await backend.forget(id);
}
lags.sort((a, b) => a - b);
console.log(
  `waitFor notices a stored result after: median ${lags[10]} ms, max ${lags[19]} ms (polling 25..500 ms backoff)`,
);
await Promise.all(ids.flatMap((id) => [backend.forget(id), backend.forget(`${id}-c`)]));
await backend.close();

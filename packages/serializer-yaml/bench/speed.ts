/**
 * Encode/decode speed of @tq/serializer-yaml on a typical task body, next to JSON for scale.
 * Run: node --import tsx --conditions=@tq/source packages/serializer-yaml/bench/speed.ts [iterations]
 */
import { yamlSerializer } from '../src/index.js';

const iterations = Number(process.argv[2] ?? 20_000);
const body = [
  [42, 'user@example.com', { order_id: 981_223, amount: 19.99, currency: 'EUR' }],
  { created_at_ms: 1_732_406_400_123, retries: 0, tags: ['billing', 'email'], dry_run: false, note: null },
  { callbacks: null, errbacks: null, chain: null, chord: null },
];

function measure(label: string, fn: () => unknown): void {
  for (let i = 0; i < 2_000; i++) fn();
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(
    `${label.padEnd(32)} ${Math.round(iterations / seconds)
      .toLocaleString('en')
      .padStart(10)} ops/s`,
  );
}

const encoded = yamlSerializer.encode(body);
console.log(
  `typical task body: ${encoded.length} bytes YAML, ${JSON.stringify(body).length} bytes JSON; ${iterations} iterations`,
);
measure('yamlSerializer.encode', () => yamlSerializer.encode(body));
measure('yamlSerializer.decode', () => yamlSerializer.decode(encoded));
const json = new TextEncoder().encode(JSON.stringify(body));
measure('JSON stringify + utf-8 encode', () => new TextEncoder().encode(JSON.stringify(body)));
measure('utf-8 decode + JSON parse', () => JSON.parse(new TextDecoder().decode(json)));

/**
 * Why @tq/serializer-msgpack sits on msgpackr rather than @msgpack/msgpack: both need help to speak Python's msgpack
 * the way kombu uses it, so this script measures each *with* that help on a typical task body.
 *
 * Both encoders get the same normalizing walk (wide integers to BigInt, Dates to ISO strings, JSON's rules for
 * undefined/toJSON/class instances; see src/prepare-for-pack.ts):
 * - msgpackr writes integer numbers beyond 32 bits as float64 (Python would read a float) unless given a BigInt;
 * - @msgpack/msgpack writes a BigInt only with `useBigInt64`, and then writes wide *numbers* as float64 too, and it
 *   silently writes a Map as an empty map.
 * Decoders:
 * - msgpackr reads int64 as number-or-BigInt natively (`int64AsType: 'auto'`) but returns a marker object for the
 *   never-used byte 0xc1 instead of failing, so its output is checked for that marker;
 * - @msgpack/msgpack either rounds int64 above 2^53 silently or (`useBigInt64`) returns *every* int64 as BigInt,
 *   a 13-digit timestamp included, so its output is walked to turn safe BigInts back into numbers.
 *
 * Run: node --import tsx --conditions=@tq/source packages/serializer-msgpack/bench/compare-libraries.ts [iterations]
 */
import { Decoder, Encoder } from '@msgpack/msgpack';
import { Packr, Unpackr } from 'msgpackr';
import { msgpackSerializer } from '../src/index.js';
import { prepareForPack } from '../src/prepare-for-pack.js';
import { typicalTaskBody } from './typical-task-body.js';

const iterations = Number(process.argv[2] ?? 200_000);

function numbersForSafeBigInts(value: unknown): unknown {
  if (typeof value === 'bigint') {
    return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= BigInt(Number.MIN_SAFE_INTEGER) ? Number(value) : value;
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) value[i] = numbersForSafeBigInts(value[i]);
    return value;
  }
  if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array)) {
    const object = value as Record<string, unknown>;
    for (const key of Object.keys(object)) object[key] = numbersForSafeBigInts(object[key]);
  }
  return value;
}

function measure(label: string, fn: () => unknown): void {
  for (let i = 0; i < 20_000; i++) fn(); // warm up the JIT
  const start = process.hrtime.bigint();
  for (let i = 0; i < iterations; i++) fn();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  console.log(
    `${label.padEnd(62)} ${Math.round(iterations / seconds)
      .toLocaleString('en')
      .padStart(10)} ops/s`,
  );
}

const body = typicalTaskBody();
const rawPackr = new Packr({ useRecords: false });
const rawUnpackr = new Unpackr({ useRecords: false, int64AsType: 'auto' as unknown as 'number' });
const encoder = new Encoder({ useBigInt64: true, ignoreUndefined: true });
const plainEncoder = new Encoder();
const plainDecoder = new Decoder();
const bigDecoder = new Decoder({ useBigInt64: true });

const ours = msgpackSerializer.encode(body);
const theirs = encoder.encode(prepareForPack(body));
console.log(
  `typical task body: ${ours.length} bytes (msgpackr, ours), ${theirs.length} bytes (@msgpack/msgpack), ${JSON.stringify(body).length} bytes JSON`,
);
console.log(`iterations: ${iterations}, node ${process.version}`);

measure('msgpackr pack, raw (wrong for Python: wide ints as floats)', () => rawPackr.pack(body));
measure('msgpackr unpack, raw (lets 0xc1 through)', () => rawUnpackr.unpack(ours));
measure('@msgpack/msgpack encode, raw (no BigInt, Map lost)', () => plainEncoder.encode(body));
measure('@msgpack/msgpack decode, raw (rounds above 2^53)', () => plainDecoder.decode(theirs));
measure('OURS: msgpackSerializer.encode (msgpackr + walk)', () => msgpackSerializer.encode(body));
measure('OURS: msgpackSerializer.decode (msgpackr + 0xc1 check)', () => msgpackSerializer.decode(ours));
measure('@msgpack/msgpack encode with the same walk', () => encoder.encode(prepareForPack(body)));
measure('@msgpack/msgpack decode useBigInt64 + number walk', () => numbersForSafeBigInts(bigDecoder.decode(theirs)));
const text = new TextEncoder();
const utf8 = new TextDecoder();
const json = text.encode(JSON.stringify(body));
measure('JSON stringify + utf-8 encode', () => text.encode(JSON.stringify(body)));
measure('utf-8 decode + JSON parse', () => JSON.parse(utf8.decode(json)));

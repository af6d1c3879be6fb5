import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as Amqp from 'amqplib';
import { decodeTableTolerant } from './table-decoder.js';

/**
 * Loads amqplib with a more tolerant header decoder. amqplib's table decoder throws on type tags other clients
 * write (py-amqp, i.e. Python Celery, writes `L` for integers beyond 32 bits); the throw happens inside frame
 * parsing and kills the whole connection, and the broker then redelivers the same message to the next
 * connection: a poison message that loops forever. The patch only runs after amqplib's own decoder has failed,
 * so every table amqplib can read is read exactly as before.
 *
 * amqplib's protocol module copies `codec.decodeFields` when it is first loaded, so the patch must be applied
 * before that. If something in the process loaded amqplib earlier, the patch cannot take and
 * `tolerantHeaderDecoding` is false.
 */
const require = createRequire(import.meta.url);
const entry = require.resolve('amqplib');
const libDir = join(dirname(entry), 'lib');
const protocolAlreadyLoaded = require.cache[join(libDir, 'defs.js')] !== undefined;

interface Codec {
  decodeFields(slice: Buffer): Record<string, unknown>;
  __tqTolerant?: boolean;
}

const codec = require(join(libDir, 'codec.js')) as Codec;
if (!codec.__tqTolerant) {
  const strict = codec.decodeFields;
  codec.decodeFields = (slice: Buffer) => {
    try {
      return strict(slice);
    } catch (error) {
      if (!(error instanceof TypeError || error instanceof RangeError)) throw error;
      return decodeTableTolerant(slice);
    }
  };
  codec.__tqTolerant = true;
}

export const amqplib = require('amqplib') as typeof Amqp;
export const tolerantHeaderDecoding = !protocolAlreadyLoaded;

/**
 * A lenient AMQP field-table decoder, used only when amqplib's own decoder refuses a table. It knows the tags
 * RabbitMQ's errata, amqplib and py-amqp write (including py-amqp's `L` for signed 64-bit integers and `U` for
 * signed 16-bit ones). On a tag nobody defines it stops, keeps what it read, and marks the table with
 * UNDECODABLE_HEADER so the consumer can reject the message instead of the connection dying on it.
 */
export const UNDECODABLE_HEADER = 'x-tq-undecodable-headers';

class UnknownTag extends Error {}

export function decodeTableTolerant(buffer: Buffer): Record<string, unknown> {
  const table: Record<string, unknown> = {};
  try {
    readTable(buffer, table);
  } catch (error) {
    if (!(error instanceof UnknownTag || error instanceof RangeError)) throw error;
    table[UNDECODABLE_HEADER] = true;
  }
  return table;
}

/** Fills `table` as far as it can; throws on the first value it cannot read (nested ones included). */
function readTable(buffer: Buffer, table: Record<string, unknown>): void {
  let offset = 0;
  while (offset < buffer.length) {
    const keyLength = buffer.readUInt8(offset);
    const key = buffer.toString('utf8', offset + 1, offset + 1 + keyLength);
    offset += 1 + keyLength;
    const [value, next] = readValue(buffer, offset);
    table[key] = value;
    offset = next;
  }
}

function readValue(buffer: Buffer, start: number): [unknown, number] {
  const tag = String.fromCharCode(buffer.readUInt8(start));
  const at = start + 1;
  switch (tag) {
    case 't':
      return [buffer.readUInt8(at) !== 0, at + 1];
    case 'b':
      return [buffer.readInt8(at), at + 1];
    case 'B':
      return [buffer.readUInt8(at), at + 1];
    case 's':
    case 'U':
      return [buffer.readInt16BE(at), at + 2];
    case 'u':
      return [buffer.readUInt16BE(at), at + 2];
    case 'I':
      return [buffer.readInt32BE(at), at + 4];
    case 'i':
      return [buffer.readUInt32BE(at), at + 4];
    case 'l':
    case 'L':
      return [Number(buffer.readBigInt64BE(at)), at + 8];
    case 'f':
      return [buffer.readFloatBE(at), at + 4];
    case 'd':
      return [buffer.readDoubleBE(at), at + 8];
    case 'D': {
      const places = buffer.readUInt8(at);
      const digits = buffer.readInt32BE(at + 1);
      return [{ '!': 'decimal', value: { places, digits } }, at + 5];
    }
    case 'T':
      return [{ '!': 'timestamp', value: Number(buffer.readBigUInt64BE(at)) }, at + 8];
    case 'S': {
      const length = buffer.readUInt32BE(at);
      return [buffer.toString('utf8', at + 4, at + 4 + length), at + 4 + length];
    }
    case 'x': {
      const length = buffer.readUInt32BE(at);
      return [buffer.subarray(at + 4, at + 4 + length), at + 4 + length];
    }
    case 'V':
      return [null, at];
    case 'F': {
      const length = buffer.readUInt32BE(at);
      const nested: Record<string, unknown> = {};
      readTable(buffer.subarray(at + 4, at + 4 + length), nested);
      return [nested, at + 4 + length];
    }
    case 'A': {
      const length = buffer.readUInt32BE(at);
      const end = at + 4 + length;
      const items: unknown[] = [];
      let offset = at + 4;
      while (offset < end) {
        const [value, next] = readValue(buffer, offset);
        items.push(value);
        offset = next;
      }
      return [items, end];
    }
    default:
      throw new UnknownTag(tag);
  }
}

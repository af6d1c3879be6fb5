import { resultBackendSuite, transportSuite } from '@tq/conformance';
import type { Delivery, Transport } from '@tq/core';
import { afterAll, afterEach, beforeAll, beforeEach, describe, test } from 'vitest';
import { createAmqpTransport, createRpcResultBackend, DELAY_LEVELS } from '../src/index.js';
import { AMQP_URL, rabbitUp, uniqueName } from './helpers.js';

// Delay levels of this run only. The suite deletes the queues it names; what it cannot know about (exchanges it
// declared, dead-letter queues client-mode dead-lettering made) is recorded here and removed afterwards.
const delayedPrefix = uniqueName('conformance-delay');
const exchanges = new Set<string>();
const queues = new Set<string>();

function tracked(transport: Transport): Transport {
  const declareExchange = transport.declareExchange.bind(transport);
  transport.declareExchange = (exchange, options) => {
    exchanges.add(exchange.name);
    return declareExchange(exchange, options);
  };
  const broadcast = transport.broadcast.bind(transport);
  transport.broadcast = (exchange, ...rest) => {
    exchanges.add(exchange);
    return broadcast(exchange, ...rest);
  };
  const subscribe = transport.subscribe.bind(transport);
  transport.subscribe = (exchange, options) => {
    exchanges.add(exchange);
    return subscribe(exchange, options);
  };
  const consume = transport.consume.bind(transport);
  transport.consume = (names, options) => {
    for (const name of names) {
      queues.add(`${name}.dead`);
      exchanges.add(name);
    }
    return consume(names, options) as AsyncIterable<Delivery>;
  };
  return transport;
}

afterAll(async () => {
  if (!rabbitUp) return;
  const { amqplib } = await import('../src/amqplib-loader.js');
  const connection = await amqplib.connect(AMQP_URL);
  const remove = async (operation: (channel: import('amqplib').Channel) => Promise<unknown>) => {
    const channel = await connection.createChannel();
    channel.on('error', () => {});
    await operation(channel).catch(() => {});
    await channel.close().catch(() => {});
  };
  for (let level = 0; level < DELAY_LEVELS; level += 1) {
    await remove((channel) => channel.deleteQueue(`${delayedPrefix}.${level}`));
    exchanges.add(`${delayedPrefix}.${level}`);
  }
  exchanges.add(`${delayedPrefix}.deliver`);
  for (const queue of queues) await remove((channel) => channel.deleteQueue(queue));
  for (const exchange of exchanges) await remove((channel) => channel.deleteExchange(exchange));
  await connection.close();
});

describe.skipIf(!rabbitUp)('amqp', () => {
  transportSuite(
    { describe, test, beforeAll, afterAll, beforeEach, afterEach },
    { name: 'amqp (RabbitMQ)', create: () => tracked(createAmqpTransport({ url: AMQP_URL, delayed: { prefix: delayedPrefix } })) },
  );
});

describe.skipIf(!rabbitUp)('amqp rpc://', () => {
  resultBackendSuite(
    { describe, test, beforeAll, afterAll, beforeEach, afterEach },
    { name: 'rpc:// (RabbitMQ reply queues)', create: () => createRpcResultBackend({ url: AMQP_URL }) },
  );
});

import {
  type Binding,
  type BroadcastMessage,
  type ChordPart,
  type ChordProgress,
  type ConsumeOptions,
  type Delivery,
  type MemoryBroker,
  MemoryResultBackend,
  MemoryTransport,
  type PublishOptions,
  type ResultMeta,
  type SignalOptions,
  type StoreOptions,
  type TransportMessage,
  type WaitOptions,
} from '@tq/core';

/** Deliberately broken memory implementations: the suite must fail each of them. */

function mapDeliveries(iterable: AsyncIterable<Delivery>, change: (d: Delivery) => Delivery): AsyncIterable<Delivery> {
  return {
    [Symbol.asyncIterator]() {
      const inner = iterable[Symbol.asyncIterator]();
      return {
        next: async () => {
          const result = await inner.next();
          return result.done ? result : { done: false, value: change(result.value) };
        },
        return: async () => (await inner.return?.()) ?? { done: true, value: undefined },
      };
    },
  };
}

type TransportMutant = new (broker: MemoryBroker) => MemoryTransport;

export const transportMutants: Record<string, { mutant: TransportMutant; caughtBy: string }> = {
  'ignores priorities': {
    caughtBy: 'higher priority first',
    mutant: class extends MemoryTransport {
      constructor(broker: MemoryBroker) {
        super({ broker });
      }
      override publish(message: TransportMessage, options: PublishOptions) {
        return super.publish({ ...message, properties: { ...message.properties, priority: 0 } }, { ...options, priority: undefined });
      }
    },
  },
  'ignores delayMs': {
    caughtBy: 'a delayed message is not delivered before its delay',
    mutant: class extends MemoryTransport {
      constructor(broker: MemoryBroker) {
        super({ broker });
      }
      override publish(message: TransportMessage, options: PublishOptions) {
        return super.publish(message, { ...options, delayMs: undefined });
      }
    },
  },
  'ignores prefetch': {
    caughtBy: 'a consumer has at most `prefetch` unacked deliveries',
    mutant: class extends MemoryTransport {
      constructor(broker: MemoryBroker) {
        super({ broker });
      }
      override consume(queues: readonly string[], options: ConsumeOptions = {}) {
        return super.consume(queues, { ...options, prefetch: 1000 });
      }
    },
  },
  'reject() acks instead': {
    caughtBy: 'reject({requeue: true}) delivers the message again',
    mutant: class extends MemoryTransport {
      constructor(broker: MemoryBroker) {
        super({ broker });
      }
      override consume(queues: readonly string[], options: ConsumeOptions = {}) {
        return mapDeliveries(super.consume(queues, options), (d) => ({
          get message() {
            return d.message;
          },
          queue: d.queue,
          redelivered: d.redelivered,
          deliveryCount: d.deliveryCount,
          ack: () => d.ack(),
          reject: () => d.ack(),
        }));
      }
    },
  },
  'never marks redelivered': {
    caughtBy: 'reject({requeue: true}) delivers the message again',
    mutant: class extends MemoryTransport {
      constructor(broker: MemoryBroker) {
        super({ broker });
      }
      override consume(queues: readonly string[], options: ConsumeOptions = {}) {
        return mapDeliveries(super.consume(queues, options), (d) => ({
          message: d.message,
          queue: d.queue,
          redelivered: false,
          deliveryCount: undefined,
          ack: () => d.ack(),
          reject: (o) => d.reject(o),
        }));
      }
    },
  },
  'consume ignores its signal': {
    caughtBy: 'aborting its signal ends a waiting consume loop',
    mutant: class extends MemoryTransport {
      constructor(broker: MemoryBroker) {
        super({ broker });
      }
      override consume(queues: readonly string[], options: ConsumeOptions = {}) {
        return super.consume(queues, { ...options, signal: undefined });
      }
    },
  },
  'close() does nothing': {
    caughtBy: 'close() is idempotent; afterwards',
    mutant: class extends MemoryTransport {
      constructor(broker: MemoryBroker) {
        super({ broker });
      }
      override async close() {}
    },
  },
  'topic # matches one word only': {
    caughtBy: 'a topic exchange routes by pattern',
    mutant: class extends MemoryTransport {
      constructor(broker: MemoryBroker) {
        super({ broker });
      }
      override bindQueue(binding: Binding, options?: SignalOptions) {
        return super.bindQueue({ ...binding, routingKey: binding.routingKey.replaceAll('#', '*') }, options);
      }
    },
  },
  'subscribe hears nothing': {
    caughtBy: 'every subscriber receives what is broadcast',
    mutant: class extends MemoryTransport {
      constructor(broker: MemoryBroker) {
        super({ broker });
      }
      override subscribe(exchange: string, options: SignalOptions = {}): AsyncIterable<BroadcastMessage> {
        return super.subscribe(`${exchange}.elsewhere`, options);
      }
    },
  },
  'size() always 0': {
    caughtBy: 'size() counts ready messages',
    mutant: class extends MemoryTransport {
      constructor(broker: MemoryBroker) {
        super({ broker });
      }
      override async size() {
        return 0;
      }
    },
  },
};

const tick = () => new Promise((resolve) => setImmediate(resolve));

export const backendMutants: Record<string, { mutant: new () => MemoryResultBackend; caughtBy: string }> = {
  'overwrites SUCCESS': {
    caughtBy: 'a stored SUCCESS is never overwritten',
    mutant: class extends MemoryResultBackend {
      override async store(taskId: string, meta: ResultMeta, options?: StoreOptions) {
        await super.forget(taskId);
        return super.store(taskId, meta, options);
      }
    },
  },
  'chord read-modify-write without atomicity': {
    caughtBy: '200 parts racing concurrently',
    mutant: class extends MemoryResultBackend {
      readonly #chords = new Map<string, { size: number; parts: ChordPart[] }>();
      override async setChordSize(groupId: string, size: number) {
        this.#chords.set(groupId, { size, parts: [] });
      }
      override async chordPartCompleted(groupId: string, part: ChordPart, options: StoreOptions & { size?: number } = {}): Promise<ChordProgress> {
        const state = this.#chords.get(groupId) ?? { size: options.size ?? 0, parts: [] };
        const parts = [...state.parts];
        await tick();
        parts.push(part);
        this.#chords.set(groupId, { size: state.size, parts });
        return parts.length >= state.size ? { complete: true, parts: parts.sort((a, b) => a.index - b.index) } : { complete: false };
      }
    },
  },
  'waitFor ignores timeoutMs': {
    caughtBy: 'waitFor() with timeoutMs fails with TQ_TIMEOUT',
    mutant: class extends MemoryResultBackend {
      override waitFor(taskId: string, options: WaitOptions = {}) {
        return super.waitFor(taskId, { signal: options.signal });
      }
    },
  },
  'forget() does nothing': {
    caughtBy: 'forget() removes a result',
    mutant: class extends MemoryResultBackend {
      override async forget() {}
    },
  },
};

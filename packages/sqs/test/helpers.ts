import { GetQueueAttributesCommand, GetQueueUrlCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Delivery, Logger, Transport, TransportMessage } from '@tq/core';
import { serviceAvailable, uniqueName } from '../../../tooling/test-support/services.js';
import { inject } from 'vitest';
import { SqsTransport, type SqsTransportOptions } from '../src/index.js';

export const endpoint = inject('sqsEndpoint');
const { hostname, port } = new URL(endpoint);
/** Gate for describe.skipIf: the SQS test server answers. */
export const sqsUp = await serviceAvailable('sqs', hostname, Number(port));

export const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

export interface LogRecord {
  level: 'debug' | 'info' | 'warn' | 'error';
  message: string;
  fields: Record<string, unknown> | undefined;
}

/** A logger that keeps what it is told, so tests can assert that typed errors were reported. */
export function recordingLogger(): Logger & { records: LogRecord[] } {
  const records: LogRecord[] = [];
  const at = (level: LogRecord['level']) => (message: string, fields?: Record<string, unknown>) => {
    records.push({ level, message, fields });
  };
  return { records, debug: at('debug'), info: at('info'), warn: at('warn'), error: at('error') };
}

export function makeTransport(options: SqsTransportOptions = {}): SqsTransport {
  return new SqsTransport({ endpoint, region: 'us-east-1', credentials, logger: recordingLogger(), ...options });
}

/** A raw SDK client on the same server, for looking behind the transport's back. */
export function rawClient(): SQSClient {
  return new SQSClient({ endpoint, region: 'us-east-1', credentials });
}

export function queueName(label: string): string {
  return uniqueName(`sqs.${label}`);
}

export function message(id: string, text = `payload ${id}`, headers: Record<string, unknown> = {}): TransportMessage {
  return {
    body: new TextEncoder().encode(JSON.stringify([[text], {}, { callbacks: null, errbacks: null, chain: null, chord: null }])),
    contentType: 'application/json',
    contentEncoding: 'utf-8',
    headers: { lang: 'py', task: 'tests.echo', id, ...headers },
    properties: { correlationId: id, deliveryMode: 2 },
  };
}

export function text(delivery: { message: TransportMessage }): string {
  return new TextDecoder().decode(delivery.message.body);
}

/** Makes the next `count` requests of `action` (on `queue`, an SQS name) fail on the test server. */
export async function injectFault(fault: { action?: string; queue?: string; count: number; status: number; type: string; queryCode?: string }) {
  const response = await fetch(`${endpoint}/__tq/faults`, { method: 'POST', body: JSON.stringify(fault) });
  if (!response.ok) throw new Error(`fault injection failed: ${response.status}`);
}

export interface Collector {
  readonly deliveries: Delivery[];
  /** Resolves once `count` deliveries arrived; rejects after `timeoutMs`. */
  waitFor(count: number, timeoutMs?: number): Promise<Delivery[]>;
  stop(): Promise<void>;
  failure(): unknown;
}

/** Consumes in the background, keeping every delivery (acked at once with autoAck). */
export function collect(transport: Transport, queues: string[], options: { prefetch?: number; autoAck?: boolean } = {}): Collector {
  const deliveries: Delivery[] = [];
  const abort = new AbortController();
  let failure: unknown;
  let notify: (() => void) | undefined;
  const loop = (async () => {
    try {
      for await (const delivery of transport.consume(queues, { prefetch: options.prefetch ?? 10, signal: abort.signal })) {
        deliveries.push(delivery);
        if (options.autoAck) await delivery.ack();
        notify?.();
      }
    } catch (error) {
      failure = error;
      notify?.();
    }
  })();
  return {
    deliveries,
    failure: () => failure,
    async waitFor(count, timeoutMs = 15_000) {
      const deadline = Date.now() + timeoutMs;
      while (deliveries.length < count) {
        if (failure) throw failure;
        const left = deadline - Date.now();
        if (left <= 0) throw new Error(`waited ${timeoutMs} ms for ${count} deliveries, got ${deliveries.length}`);
        await new Promise<void>((resolve) => {
          notify = resolve;
          setTimeout(resolve, Math.min(left, 200));
        });
      }
      return deliveries.slice(0, count);
    },
    async stop() {
      abort.abort();
      await loop;
    },
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Queue attributes read straight from the server: ready, in flight, delayed. */
export async function counts(client: SQSClient, queueUrl: string): Promise<{ ready: number; inFlight: number; delayed: number }> {
  const { Attributes = {} } = await client.send(new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['All'] }));
  return {
    ready: Number(Attributes.ApproximateNumberOfMessages),
    inFlight: Number(Attributes.ApproximateNumberOfMessagesNotVisible),
    delayed: Number(Attributes.ApproximateNumberOfMessagesDelayed),
  };
}

export async function queueUrl(client: SQSClient, sqsName: string): Promise<string> {
  const { QueueUrl } = await client.send(new GetQueueUrlCommand({ QueueName: sqsName }));
  return QueueUrl!;
}

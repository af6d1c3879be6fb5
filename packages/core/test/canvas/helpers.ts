import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type App, createApp, decodeTaskMessage, memoryBackend, memoryTransport, type TaskMessage } from '@tq/core';

/** An app for test mode: testMode() swaps in the in-process broker and backend. */
export function newApp(name = 'canvas'): App {
  return createApp({ name, broker: 'memory://', backend: null, defaultQueue: 'celery' });
}

/** An app whose messages stay in an in-memory queue (no worker), so tests can read exactly what was sent. */
export function capturingApp(name = 'proj'): { app: App; messages: () => Promise<TaskMessage[]> } {
  const transport = memoryTransport();
  const backend = memoryBackend();
  const app = createApp({ name, broker: transport, backend, defaultQueue: 'celery' });
  const messages = async () => {
    const out: TaskMessage[] = [];
    const pending = await transport.size('celery');
    if (pending === 0) return out;
    const controller = new AbortController();
    for await (const delivery of transport.consume(['celery'], { prefetch: 1000, signal: controller.signal })) {
      out.push(decodeTaskMessage(delivery.message, { serializers: app.serializers, compressors: app.compressors, accept: ['json'] }));
      await delivery.ack();
      if (out.length === pending) break;
    }
    controller.abort();
    return out;
  };
  return { app, messages };
}

export interface CeleryCase {
  name: string;
  description: string;
  messages?: { headers: Record<string, unknown>; body: [unknown[], Record<string, unknown>, Record<string, unknown>] }[];
  dict?: Record<string, unknown>;
}

/** Canvas messages and dicts captured from Celery 5.2.6 (fixtures/generate_canvas_fixtures.py). */
export function celeryCase(name: string): CeleryCase {
  const path = join(import.meta.dirname, 'fixtures', 'celery-5.2-canvas.json');
  const cases = (JSON.parse(readFileSync(path, 'utf8')) as { cases: CeleryCase[] }).cases;
  const found = cases.find((entry) => entry.name === name);
  if (!found) throw new Error(`no Celery fixture ${name}`);
  return found;
}

const ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

/**
 * A value with every id replaced by its first-seen order (`<id0>`, `<id1>`...) and reply_to by `<oid>`, so a
 * Celery capture and a tq message with different random ids but the same id relationships compare equal.
 */
export function shape(value: unknown): unknown {
  const seen = new Map<string, string>();
  const walk = (node: unknown, key?: string): unknown => {
    if (typeof node === 'string') {
      if (key === 'reply_to') return '<oid>';
      if (ID.test(node)) {
        if (!seen.has(node)) seen.set(node, `<id${seen.size}>`);
        return seen.get(node);
      }
      return node;
    }
    if (Array.isArray(node)) return node.map((item) => walk(item));
    if (node && typeof node === 'object') {
      const keys = Object.keys(node as object).sort();
      return Object.fromEntries(keys.map((k) => [k, walk((node as Record<string, unknown>)[k], k)]));
    }
    return node;
  };
  return walk(value);
}

/** The parts of a decoded message Celery's capture has: the headers that carry workflow and the body. */
export function wireOf(message: TaskMessage): unknown {
  return {
    headers: { task: message.task, id: message.id, root_id: message.rootId, parent_id: message.parentId, group: message.group, group_index: message.groupIndex },
    body: [message.args, message.kwargs, { callbacks: message.callbacks, errbacks: message.errbacks, chain: message.chain, chord: message.chord }],
  };
}

export function celeryWire(entry: NonNullable<CeleryCase['messages']>[number]): unknown {
  const h = entry.headers;
  return {
    headers: { task: h.task, id: h.id, root_id: h.root_id, parent_id: h.parent_id, group: h.group, group_index: h.group_index },
    body: entry.body,
  };
}

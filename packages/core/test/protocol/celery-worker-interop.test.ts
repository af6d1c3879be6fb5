import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TransportMessage } from '../../src/contracts/index.js';
import { encodeTaskMessage, newTaskId } from '../../src/protocol/index.js';
import type { TaskMessageInit } from '../../src/protocol/task-message.js';
import {
  createJsonSerializer,
  formatIsoDateTime,
  jsonSerializer,
  zlibCompressor,
} from '../../src/serialization/index.js';
import { messageToEnvelope } from '../fixtures/celery/kombu-envelope.js';

/**
 * Hands messages encoded by tq to a real Celery 5.2 worker (Debian's python3-celery, kombu's in-memory transport,
 * the real consumer/strategy/Request/tracer) and checks what the worker did with them. Needs /usr/bin/python3
 * with celery: `apt-get install -y python3-celery`. Skipped, loudly, without it.
 */
const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('../fixtures/celery/run_tq_messages.py', import.meta.url));
const hasCelery = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import celery'], { stdio: 'ignore' }).status === 0;
if (!hasCelery) console.warn('\n!!! SKIPPING Celery worker interop: /usr/bin/python3 has no celery module. !!!\n');

type Outcome = { state?: string; result?: unknown; error?: string; expired?: boolean; request?: any };

const ids = {
  full: newTaskId(),
  zlib: newTaskId(),
  chainHead: newTaskId(),
  chainNext: newTaskId(),
  linkHead: newTaskId(),
  linkCallback: newTaskId(),
  failing: newTaskId(),
  errback: newTaskId(),
  expired: newTaskId(),
  eta: newTaskId(),
  tagged: newTaskId(),
};
const eta = formatIsoDateTime(new Date(Date.now() + 1500));
const signature = (task: string, args: unknown[], taskId: string) => ({
  task,
  args,
  kwargs: {},
  options: { task_id: taskId },
  subtask_type: null,
  immutable: false,
});

function messages(): TransportMessage[] {
  const json = { serializer: jsonSerializer };
  const plain = (init: TaskMessageInit) => encodeTaskMessage(init, json);
  return [
    plain({
      id: ids.full,
      task: 'proj.inspect',
      args: [1, 'two', { a: [1, 2] }, null, 'héllo ☃'],
      kwargs: { k: 'v', when: new Date('2024-01-01T12:00:00.531Z') },
      rootId: 'root-1',
      parentId: 'parent-1',
      group: 'group-1',
      groupIndex: 0,
      retries: 1,
      timelimit: [30, 20],
      shadow: 'alias',
      headers: { 'x-custom': 'v' },
      replyTo: 'reply-oid',
      priority: 5,
      expirationMs: 600_000,
    }),
    encodeTaskMessage(
      { id: ids.zlib, task: 'proj.inspect', args: ['z'.repeat(500)] },
      { ...json, compressor: zlibCompressor() },
    ),
    plain({ id: ids.chainHead, task: 'proj.add', args: [2, 3], chain: [signature('proj.add', [10], ids.chainNext)] }),
    plain({
      id: ids.linkHead,
      task: 'proj.add',
      args: [1, 1],
      callbacks: [signature('proj.add', [100], ids.linkCallback)],
    }),
    plain({
      id: ids.failing,
      task: 'proj.fail',
      args: ['bad input'],
      errbacks: [signature('proj.inspect', [], ids.errback)],
    }),
    plain({ id: ids.expired, task: 'proj.inspect', expires: formatIsoDateTime(new Date(Date.now() - 60_000)) }),
    plain({ id: ids.eta, task: 'proj.inspect', args: ['later'], eta }),
    encodeTaskMessage(
      { id: ids.tagged, task: 'proj.inspect', args: [new Date('2024-01-01T00:00:00Z'), new Uint8Array([1, 2])] },
      { serializer: createJsonSerializer({ dates: 'tagged' }) },
    ),
  ];
}

describe.skipIf(!hasCelery)('a Celery 5.2 worker runs the messages tq encodes', () => {
  let outcomes: Record<string, Outcome> = {};
  const dir = mkdtempSync(join(tmpdir(), 'tq-celery-interop-'));

  beforeAll(() => {
    const input = join(dir, 'input.json');
    writeFileSync(
      input,
      JSON.stringify({
        envelopes: messages().map((message) => messageToEnvelope(message)),
        wait_for: Object.values(ids),
        timeout: 30,
      }),
    );
    const stdout = execFileSync(PYTHON, [SCRIPT, input], {
      encoding: 'utf8',
      timeout: 90_000,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    outcomes = JSON.parse(stdout);
  }, 120_000);

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('hands every header and property to the task request', () => {
    const outcome = outcomes[ids.full];
    expect(outcome?.state).toBe('SUCCESS');
    expect(outcome?.request).toMatchObject({
      id: ids.full,
      root_id: 'root-1',
      parent_id: 'parent-1',
      group: 'group-1',
      group_index: 0,
      retries: 1,
      timelimit: [30, 20],
      correlation_id: ids.full,
      reply_to: 'reply-oid',
      lang: 'js',
      'x-custom': 'v',
      args: [1, 'two', { a: [1, 2] }, null, 'héllo ☃'],
      // kombu 5.2 reads the default Date encoding as the ISO string it would have written itself.
      kwargs: { k: 'v', when: '2024-01-01T12:00:00.531000Z' },
      argsrepr: "(1, 'two', {'a': [1, 2]}, None, 'héllo ☃')",
    });
    expect(outcome?.request.delivery_info.priority).toBe(5);
  });

  it('decompresses a zlib body', () => {
    expect(outcomes[ids.zlib]).toMatchObject({ state: 'SUCCESS', request: { args: ['z'.repeat(500)] } });
  });

  it('forwards the chain (next task last) with the result prepended and this task as parent', () => {
    expect(outcomes[ids.chainHead]).toMatchObject({ state: 'SUCCESS', result: 5 });
    expect(outcomes[ids.chainNext]).toMatchObject({
      state: 'SUCCESS',
      result: 15,
      request: { args: [5, 10], parent_id: ids.chainHead, root_id: ids.chainHead },
    });
  });

  it('calls link callbacks and link_error errbacks', () => {
    expect(outcomes[ids.linkCallback]).toMatchObject({ state: 'SUCCESS', result: 102 });
    expect(outcomes[ids.failing]).toMatchObject({ state: 'FAILURE', error: 'ValueError: bad input' });
    expect(outcomes[ids.errback]).toMatchObject({ state: 'SUCCESS', request: { args: [ids.failing] } });
  });

  it('revokes a task whose expires has passed', () => {
    expect(outcomes[ids.expired]).toMatchObject({ state: 'REVOKED', expired: true });
  });

  it('holds an eta task until its eta', () => {
    expect(outcomes[ids.eta]).toMatchObject({ state: 'SUCCESS', request: { args: ['later'] } });
    expect(new Date(outcomes[ids.eta]?.request.eta).getTime()).toBe(new Date(eta).getTime());
    // Not before the eta (50 ms of slack for the worker's timer granularity).
    expect(outcomes[ids.eta]?.request.ran_at * 1000).toBeGreaterThanOrEqual(new Date(eta).getTime() - 50);
  });

  it("shows why tagged output is opt-in: kombu 5.2 sees kombu>=5.3's tags as plain dicts", () => {
    expect(outcomes[ids.tagged]?.request.arg_types).toEqual(['dict', 'dict']);
  });
});

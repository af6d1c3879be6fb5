import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { resolve } from 'node:path';
import type { TestProject } from 'vitest/node';

declare module 'vitest' {
  export interface ProvidedContext {
    sqsEndpoint: string;
  }
}

const SERVER = resolve(import.meta.dirname, '../../../tooling/services/sqs-server.mjs');
const DEFAULT_ENDPOINT = 'http://127.0.0.1:9324';

async function isOurServer(endpoint: string): Promise<boolean> {
  try {
    const response = await fetch(`${endpoint}/__tq/health`, { signal: AbortSignal.timeout(1000) });
    return response.ok;
  } catch {
    return false;
  }
}

async function startPrivateServer(): Promise<{ child: ChildProcess; endpoint: string }> {
  // --exit-with-stdin: the server also stops if this test run dies without tearing down.
  const child = spawn(process.execPath, [SERVER, '--host', '127.0.0.1', '--port', '0', '--exit-with-stdin'], { stdio: ['pipe', 'pipe', 'inherit'] });
  let output = '';
  for await (const chunk of child.stdout!) {
    output += String(chunk);
    const match = /listening on (http:\/\/\S+)/.exec(output);
    if (match) return { child, endpoint: match[1]! };
  }
  throw new Error(`the SQS test server did not start: ${output}`);
}

/**
 * Tests talk to SQS_ENDPOINT when it is set (CI starts the server with tooling/services/sqs.sh). Otherwise they
 * use a server already running on 127.0.0.1:9324, or start a private one on a free port and stop it afterwards,
 * so `pnpm test` works alone. An SQS_ENDPOINT that does not answer is left to the tests' service gate.
 */
export default async function setup(project: TestProject) {
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const configured = process.env.SQS_ENDPOINT;
  if (configured || (await isOurServer(DEFAULT_ENDPOINT))) {
    project.provide('sqsEndpoint', configured ?? DEFAULT_ENDPOINT);
    return;
  }
  const { child, endpoint } = await startPrivateServer();
  project.provide('sqsEndpoint', endpoint);
  return async () => {
    child.kill('SIGTERM');
    if (child.exitCode === null) await once(child, 'exit');
  };
}

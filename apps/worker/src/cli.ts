import { TqError } from '@tq/core';
import { BEAT_HELP, beatCommand } from './commands/beat.js';
import { CALL_HELP, callCommand } from './commands/call.js';
import { PURGE_HELP, purgeCommand } from './commands/purge.js';
import { RESULT_HELP, resultCommand } from './commands/result.js';
import { WORKER_HELP, workerCommand } from './commands/worker.js';

const COMMANDS: Record<string, (argv: string[]) => Promise<number>> = {
  worker: workerCommand,
  call: callCommand,
  result: resultCommand,
  purge: purgeCommand,
  beat: beatCommand,
};

export const USAGE = `tq — a Celery-compatible task queue for Node.js

${WORKER_HELP}

${CALL_HELP}

${RESULT_HELP}

${PURGE_HELP}

${BEAT_HELP}

Common options: -A MODULE (JS or TS, exporting \`app\`), --broker URL, --result-backend URL, -l debug|info|warn|error.
URLs: sqlite:///abs/path.db (default sqlite://./tq.db), redis://, rediss://, redis+sentinel://, redis+cluster://, amqp://, amqps://, sqs://, memcached://, rpc://.
Environment: TQ_BROKER_URL, TQ_RESULT_BACKEND.`;

/** Runs the command line; returns the exit code. Typed errors print as one line: `tq: CODE message`. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (!command || command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(`${USAGE}\n`);
    return command ? 0 : 2;
  }
  const run = COMMANDS[command];
  if (!run) {
    process.stderr.write(`tq: unknown command '${command}' (commands: ${Object.keys(COMMANDS).join(', ')})\n`);
    return 2;
  }
  try {
    return await run(rest);
  } catch (error) {
    if (TqError.is(error)) {
      process.stderr.write(`tq: ${error.code} ${error.message}\n`);
      return error.code === 'TQ_INVALID_CONFIG' || error.code === 'TQ_NO_APP' || error.code === 'TQ_INVALID_URL' ? 2 : 1;
    }
    process.stderr.write(`tq: ${(error as Error)?.stack ?? String(error)}\n`);
    return 1;
  }
}

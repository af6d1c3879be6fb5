import { ErrorCodes, TqError } from '@tq/core';
import { composeApp } from '../compose.js';
import { printHelp, parseCommand, parseNumberOption } from '../cli-options.js';

export const RESULT_HELP = `tq result [-A MODULE] TASK_ID [--wait] [--timeout S]
  Prints the task's stored state as JSON ({status, result, traceback, ...}); PENDING when nothing is stored.`;

export async function resultCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, { wait: { type: 'boolean' }, timeout: { type: 'string' } });
  if (values.help) return printHelp(RESULT_HELP);
  const taskId = positionals[0];
  if (!taskId) throw new TqError(ErrorCodes.INVALID_CONFIG, 'tq result needs a TASK_ID');
  const { app } = await composeApp({ appModule: values.app, broker: values.broker, resultBackend: values['result-backend'] });
  try {
    const result = app.AsyncResult(taskId);
    if (values.wait) await result.get({ timeout: parseNumberOption('timeout', values.timeout), propagate: false });
    process.stdout.write(`${JSON.stringify(await result.meta())}\n`);
    return 0;
  } finally {
    await app.close();
  }
}

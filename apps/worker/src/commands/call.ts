import { ErrorCodes, TqError } from '@tq/core';
import { composeApp } from '../compose.js';
import { printHelp, parseCommand, parseJsonOption, parseNumberOption } from '../cli-options.js';

export const CALL_HELP = `tq call [-A MODULE] NAME [--args JSON] [--kwargs JSON] [--countdown S] [--eta ISO] [--expires S] [--queue Q]
        [--priority N] [--serializer json|msgpack|yaml] [--wait] [--timeout S]
  Sends a task. Prints its id; with --wait, prints its result as JSON on stdout (exit 1 if the task failed).`;

export async function callCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommand(argv, {
    args: { type: 'string' },
    kwargs: { type: 'string' },
    countdown: { type: 'string' },
    eta: { type: 'string' },
    expires: { type: 'string' },
    queue: { type: 'string', short: 'Q' },
    priority: { type: 'string' },
    serializer: { type: 'string' },
    wait: { type: 'boolean' },
    timeout: { type: 'string' },
  });
  if (values.help) return printHelp(CALL_HELP);
  const name = positionals[0];
  if (!name) throw new TqError(ErrorCodes.INVALID_CONFIG, 'tq call needs the task NAME');
  const args = parseJsonOption('args', values.args, []);
  const kwargs = parseJsonOption('kwargs', values.kwargs, {});
  if (!Array.isArray(args)) throw new TqError(ErrorCodes.INVALID_CONFIG, '--args must be a JSON array');
  if (typeof kwargs !== 'object' || kwargs === null || Array.isArray(kwargs)) throw new TqError(ErrorCodes.INVALID_CONFIG, '--kwargs must be a JSON object');
  const { app } = await composeApp({ appModule: values.app, broker: values.broker, resultBackend: values['result-backend'] });
  try {
    const pending = app.sendTask(name, args, kwargs as Record<string, unknown>, {
      countdown: parseNumberOption('countdown', values.countdown),
      eta: values.eta,
      expires: parseNumberOption('expires', values.expires),
      queue: values.queue,
      priority: parseNumberOption('priority', values.priority),
      serializer: values.serializer,
    });
    const result = await pending;
    if (!values.wait) {
      process.stdout.write(`${result.id}\n`);
      return 0;
    }
    const value = await result.get({ timeout: parseNumberOption('timeout', values.timeout) });
    process.stdout.write(`${JSON.stringify(value ?? null)}\n`);
    return 0;
  } finally {
    await app.close();
  }
}

import { composeApp } from '../compose.js';
import { printHelp, parseCommand } from '../cli-options.js';

export const PURGE_HELP = `tq purge [-A MODULE] [-Q q1,q2]
  Removes every waiting message from the queues (default: the app's default queue). Prints how many.`;

export async function purgeCommand(argv: string[]): Promise<number> {
  const { values } = parseCommand(argv, { queues: { type: 'string', short: 'Q' } });
  if (values.help) return printHelp(PURGE_HELP);
  const { app } = await composeApp({ appModule: values.app, broker: values.broker, resultBackend: values['result-backend'] });
  try {
    const queues = values.queues?.split(',').filter(Boolean) ?? [app.defaultQueue];
    let total = 0;
    for (const queue of queues) total += await app.transport.purge(queue);
    process.stdout.write(`purged ${total} message(s) from ${queues.join(', ')}\n`);
    return 0;
  } finally {
    await app.close();
  }
}

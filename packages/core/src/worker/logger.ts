/** The logging seam: pass your own (pino, winston) with these four methods. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

type Level = 'debug' | 'info' | 'warn' | 'error';
const LEVELS: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** One line per record on stderr: `[tq] LEVEL message key=value ...`. */
export function consoleLogger(minimum: Level = (process.env.TQ_LOG_LEVEL as Level) ?? 'info'): Logger {
  const threshold = LEVELS[minimum] ?? LEVELS.info;
  const write = (level: Level) => (message: string, fields?: Record<string, unknown>) => {
    if (LEVELS[level] < threshold) return;
    const rendered = fields ? Object.entries(fields).map(([key, value]) => `${key}=${render(value)}`).join(' ') : '';
    process.stderr.write(`[tq] ${level.toUpperCase()} ${message}${rendered ? ` ${rendered}` : ''}\n`);
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

function render(value: unknown): string {
  if (value instanceof Error) return JSON.stringify(`${value.name}: ${value.message}`);
  if (typeof value === 'string') return /\s/.test(value) ? JSON.stringify(value) : value;
  return JSON.stringify(value) ?? String(value);
}

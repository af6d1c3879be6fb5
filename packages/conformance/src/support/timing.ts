/**
 * Every wait in the kit goes through here, multiplied by the caller's timeScale. Positive waits (a message must
 * arrive) are deadlines on events or polling and cost only what the broker takes; quiet windows (nothing more
 * must arrive) cost their full length, so they are short.
 */
export class Timing {
  readonly scale: number;

  constructor(scale = 1) {
    if (!(scale > 0) || !Number.isFinite(scale)) throw new RangeError(`timeScale must be a positive number, got ${scale}`);
    this.scale = scale;
  }

  ms(base: number): number {
    return Math.round(base * this.scale);
  }

  /** Deadline for something that must happen (a delivery, a result, a stop). */
  get deadline(): number {
    return this.ms(10_000);
  }

  /** Window in which something must not happen. */
  get quiet(): number {
    return this.ms(500);
  }

  /** Per-test timeout handed to the runner: above the sum of the waits any case makes. */
  testTimeout(base = 60_000): number {
    return this.ms(base);
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * Polls `probe` until it returns true or the deadline passes, then fails with `what` and the last value seen.
 * For state that has no event to wait on (queue sizes, expiry).
 */
export async function eventually(
  what: string,
  probe: () => Promise<{ ok: boolean; seen?: unknown }> | { ok: boolean; seen?: unknown },
  deadlineMs: number,
  intervalMs = 50,
): Promise<void> {
  const until = Date.now() + deadlineMs;
  let seen: unknown;
  for (;;) {
    const result = await probe();
    seen = result.seen;
    if (result.ok) return;
    if (Date.now() >= until) break;
    await sleep(Math.min(intervalMs, Math.max(until - Date.now(), 1)));
  }
  throw new Error(`${what}: not true within ${deadlineMs} ms (last seen: ${format(seen)})`);
}

/** Runs `promise` with a deadline; a miss fails with `what`. */
export async function within<T>(what: string, promise: Promise<T>, deadlineMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: did not happen within ${deadlineMs} ms`)), deadlineMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

export function format(value: unknown): string {
  if (value instanceof Error) {
    const code = (value as { code?: unknown }).code;
    return `${value.name}${code ? ` ${String(code)}` : ''}: ${value.message}`;
  }
  try {
    const text = JSON.stringify(value);
    if (text === undefined) return String(value);
    return text.length > 300 ? `${text.slice(0, 300)}…` : text;
  } catch {
    return String(value);
  }
}

/**
 * Spaces out restarts after threads/children fail to start (a task module that throws at load, a child that
 * exits during start-up): 250 ms, 500 ms, 1 s ... up to 30 s, so a broken module never becomes a busy loop.
 * One success resets it.
 */
export class RestartBackoff {
  private failures = 0;

  constructor(
    private readonly initialMs = 250,
    private readonly maxMs = 30_000,
  ) {}

  /** Failed starts in a row. */
  get consecutiveFailures(): number {
    return this.failures;
  }

  /** Records a failure; returns how long to wait before the next start. */
  fail(): number {
    this.failures++;
    return Math.min(this.maxMs, this.initialMs * 2 ** (this.failures - 1));
  }

  succeed(): void {
    this.failures = 0;
  }
}

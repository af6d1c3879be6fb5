/**
 * The AbortSignal a running task sees (`this.signal`), created only when the task reads it. Most tasks never do,
 * and an AbortController per task, plus a listener on the pool's signal, was a measurable share of a no-op task's
 * cost in the drain benchmark (createAbortSignal + add/removeEventListener ≈ 4% of the worker's CPU). Aborts that
 * happen before the first read are remembered, so a late reader still sees an aborted signal with its reason.
 */
export class LazyTaskSignal {
  private controller: AbortController | undefined;
  private abortedWith: { reason: unknown } | undefined;
  private readonly onOuterAbort = () => this.abort(this.outer?.reason);

  constructor(private readonly outer: AbortSignal | undefined) {}

  get signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.abortedWith) this.controller.abort(this.abortedWith.reason);
      else if (this.outer?.aborted) this.abort(this.outer.reason);
      else this.outer?.addEventListener('abort', this.onOuterAbort, { once: true });
    }
    return this.controller.signal;
  }

  abort(reason: unknown): void {
    if (this.abortedWith) return;
    this.abortedWith = { reason };
    this.controller?.abort(reason);
  }

  /** Stops listening to the outer signal (the task is over). */
  dispose(): void {
    if (this.controller) this.outer?.removeEventListener('abort', this.onOuterAbort);
  }
}

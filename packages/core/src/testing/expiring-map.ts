/**
 * A Map whose entries expire. Expired entries are dropped when read, and a sweep every few hundred writes drops
 * the ones nobody reads again, so a long test run does not grow without bound. No timers: nothing to unref.
 */
export class ExpiringMap<V> {
  readonly #entries = new Map<string, { value: V; expiresAt: number }>();
  #writesSinceSweep = 0;

  get(key: string): V | undefined {
    const entry = this.#entries.get(key);
    if (!entry) return undefined;
    if (Date.now() >= entry.expiresAt) {
      this.#entries.delete(key);
      return undefined;
    }
    return entry.value;
  }

  /** `ttlMs` Infinity keeps the entry until deleted. */
  set(key: string, value: V, ttlMs: number): void {
    this.#entries.set(key, { value, expiresAt: Date.now() + ttlMs });
    if (++this.#writesSinceSweep >= 256) this.#sweep();
  }

  delete(key: string): boolean {
    return this.#entries.delete(key);
  }

  clear(): void {
    this.#entries.clear();
  }

  get size(): number {
    this.#sweep();
    return this.#entries.size;
  }

  #sweep(): void {
    this.#writesSinceSweep = 0;
    const now = Date.now();
    for (const [key, entry] of this.#entries) if (now >= entry.expiresAt) this.#entries.delete(key);
  }
}

/**
 * In-process wake-ups. SQLite has no LISTEN/NOTIFY, so a consumer in another process polls; a consumer in this
 * process is woken at once by whoever committed the change through the same shared connection. Topics are strings
 * such as `queue:<name>`, `result:<task id>`, `exchange:<name>`.
 */
export class Notifier {
  readonly #listeners = new Map<string, Set<() => void>>();

  /** Calls `listener` on the next notify of any of `topics`; returns the unsubscribe function. */
  listen(topics: readonly string[], listener: () => void): () => void {
    for (const topic of topics) {
      let set = this.#listeners.get(topic);
      if (!set) {
        set = new Set();
        this.#listeners.set(topic, set);
      }
      set.add(listener);
    }
    return () => {
      for (const topic of topics) {
        const set = this.#listeners.get(topic);
        if (!set) continue;
        set.delete(listener);
        if (set.size === 0) this.#listeners.delete(topic);
      }
    };
  }

  notify(topic: string): void {
    const set = this.#listeners.get(topic);
    if (!set) return;
    for (const listener of [...set]) listener();
  }
}

export const queueTopic = (queue: string): string => `queue:${queue}`;
export const resultTopic = (taskId: string): string => `result:${taskId}`;
export const exchangeTopic = (exchange: string): string => `exchange:${exchange}`;

/**
 * Ready messages of one in-memory queue: higher priority first, first-in first-out within a priority. A message
 * given back (reject with requeue, a consumer stopping) goes to the front of its priority, near where it was, as
 * AMQP does; a message whose delay ended goes to the back, as a new arrival.
 */
export class PriorityFifo<T> {
  /** One FIFO per priority; `levels` keeps the priorities in use, highest first. */
  readonly #buckets = new Map<number, T[]>();
  #levels: number[] = [];
  #size = 0;

  get size(): number {
    return this.#size;
  }

  push(priority: number, item: T): void {
    this.#bucket(priority).push(item);
    this.#size++;
  }

  unshift(priority: number, item: T): void {
    this.#bucket(priority).unshift(item);
    this.#size++;
  }

  /** The next item to deliver, or undefined when empty. */
  shift(): T | undefined {
    for (const level of this.#levels) {
      const bucket = this.#buckets.get(level)!;
      if (bucket.length === 0) continue;
      this.#size--;
      return bucket.shift();
    }
    return undefined;
  }

  /** Removes the items `drop` selects; returns how many. */
  removeWhere(drop: (item: T) => boolean): number {
    let removed = 0;
    for (const [level, bucket] of this.#buckets) {
      const kept = bucket.filter((item) => !drop(item));
      removed += bucket.length - kept.length;
      this.#buckets.set(level, kept);
    }
    this.#size -= removed;
    return removed;
  }

  clear(): number {
    const removed = this.#size;
    this.#buckets.clear();
    this.#levels = [];
    this.#size = 0;
    return removed;
  }

  #bucket(priority: number): T[] {
    let bucket = this.#buckets.get(priority);
    if (!bucket) {
      bucket = [];
      this.#buckets.set(priority, bucket);
      this.#levels = [...this.#buckets.keys()].sort((a, b) => b - a);
    }
    return bucket;
  }
}

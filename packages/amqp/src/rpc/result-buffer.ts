import type { ResultMeta } from '@tq/core';

/** The latest result per task id, bounded: past `max` entries the least recently touched one goes. */
export class ResultBuffer {
  private readonly entries = new Map<string, ResultMeta>();

  constructor(private readonly max: number) {}

  get(taskId: string): ResultMeta | undefined {
    return this.entries.get(taskId);
  }

  set(taskId: string, meta: ResultMeta): void {
    const previous = this.entries.get(taskId);
    // Celery's rule: a stored SUCCESS is never overwritten (a late STARTED/RETRY must not hide it).
    if (previous?.status === 'SUCCESS') return;
    this.entries.delete(taskId);
    this.entries.set(taskId, meta);
    if (this.entries.size > this.max) this.entries.delete(this.entries.keys().next().value!);
  }

  delete(taskId: string): void {
    this.entries.delete(taskId);
  }
}

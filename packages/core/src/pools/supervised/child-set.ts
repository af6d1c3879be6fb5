import type { ChildHandle } from './child-handle.js';

/**
 * The pool's bookkeeping of its children: members (starting, idle or busy), the idle queue, jobs waiting for a
 * child, and children being retired (still alive until they exit, but no longer counted).
 */
export class ChildSet {
  private readonly members = new Set<ChildHandle>();
  private readonly retiring = new Set<ChildHandle>();
  private readonly idle: ChildHandle[] = [];
  private readonly waiters: Array<(child: ChildHandle | undefined) => void> = [];

  get size(): number {
    return this.members.size;
  }

  get idleCount(): number {
    return this.idle.length;
  }

  get waitingCount(): number {
    return this.waiters.length;
  }

  get startingCount(): number {
    let starting = 0;
    for (const child of this.members) if (!child.started && child.alive) starting++;
    return starting;
  }

  /** Members that started and are not idle: running a job, or just handed one. */
  get inUseCount(): number {
    let inUse = 0;
    for (const child of this.members) if (child.started && child.alive && !this.idle.includes(child)) inUse++;
    return inUse;
  }

  has(child: ChildHandle): boolean {
    return this.members.has(child);
  }

  add(child: ChildHandle): void {
    this.members.add(child);
  }

  /** Drops a child that exited; true when it was a member (not one being retired). */
  remove(child: ChildHandle): boolean {
    this.dropIdle(child);
    this.retiring.delete(child);
    return this.members.delete(child);
  }

  /** No longer a member, but tracked until it has exited (a close must still wait for or kill it). */
  retire(child: ChildHandle): void {
    this.dropIdle(child);
    this.members.delete(child);
    this.retiring.add(child);
  }

  forget(child: ChildHandle): void {
    this.retiring.delete(child);
  }

  /** The longest-idle child (matching `accept`, if given), taken out of the idle queue. */
  takeIdle(accept: (child: ChildHandle) => boolean = () => true): ChildHandle | undefined {
    const index = this.idle.findIndex((child) => child.alive && accept(child));
    return index === -1 ? undefined : this.idle.splice(index, 1)[0];
  }

  /** Hands a free child to the oldest waiting job, or queues it as idle. */
  offer(child: ChildHandle): void {
    const waiter = this.waiters.shift();
    if (waiter) {
      waiter(child);
      return;
    }
    child.idleSince = Date.now();
    this.idle.push(child);
  }

  wait(): Promise<ChildHandle | undefined> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  /** Waiting jobs get no child (the pool is closing). */
  releaseWaiters(): void {
    for (const waiter of this.waiters.splice(0)) waiter(undefined);
  }

  /** Every child still alive or exiting: members and those being retired. */
  everyone(): ChildHandle[] {
    return [...this.members, ...this.retiring];
  }

  private dropIdle(child: ChildHandle): void {
    const index = this.idle.indexOf(child);
    if (index !== -1) this.idle.splice(index, 1);
  }
}

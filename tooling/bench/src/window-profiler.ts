import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector';

/**
 * A CPU profile of just the measured window (first task to last), taken through the inspector in-process, so
 * start-up and module loading (tsx transpiling the sources) do not drown the drain's own frames, as they do
 * with `--cpu-prof`. Sampling every 100 µs.
 */
export class WindowProfiler {
  private session: Session | undefined;

  constructor(private readonly file: string) {}

  start(): void {
    if (this.session) return;
    const session = new Session();
    session.connect();
    session.post('Profiler.enable');
    session.post('Profiler.setSamplingInterval', { interval: 100 });
    session.post('Profiler.start');
    this.session = session;
  }

  stop(): Promise<void> {
    const session = this.session;
    if (!session) return Promise.resolve();
    this.session = undefined;
    return new Promise((resolve) => {
      session.post('Profiler.stop', (error, result) => {
        if (!error) writeFileSync(this.file, JSON.stringify(result.profile));
        session.disconnect();
        resolve();
      });
    });
  }
}

import { format } from './timing.js';

type Probed<C> = { ok: true; capabilities: Readonly<C> } | { ok: false; reason: string };

/**
 * The capabilities to register cases by: given in the options, or read from a probe instance when `create()`
 * returns one synchronously (the probe is closed right away; it was never connected).
 */
export function probeCapabilities<T extends { capabilities: Readonly<C>; close(): Promise<void> }, C>(
  kind: string,
  create: () => T | Promise<T>,
  given: Readonly<C> | undefined,
): Probed<C> {
  if (given) return { ok: true, capabilities: given };
  let instance: T | Promise<T>;
  try {
    instance = create();
  } catch (error) {
    return { ok: false, reason: `create() threw while the suite read the capabilities: ${format(error)}` };
  }
  if (typeof (instance as Promise<T>)?.then === 'function') {
    void (instance as Promise<T>).then(
      (created) => created.close().catch(() => {}),
      () => {},
    );
    return {
      ok: false,
      reason:
        `create() returns a Promise, so the suite cannot read the capabilities while registering cases. Pass them ` +
        `as options.capabilities (e.g. read them from one instance created before calling the suite).`,
    };
  }
  const created = instance as T;
  const capabilities = created?.capabilities;
  void Promise.resolve()
    .then(() => created.close())
    .catch(() => {});
  if (!capabilities || typeof capabilities !== 'object') {
    return { ok: false, reason: `the ${kind} from create() has no capabilities manifest (got ${format(capabilities)})` };
  }
  return { ok: true, capabilities };
}

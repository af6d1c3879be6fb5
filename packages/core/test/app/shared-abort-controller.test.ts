import { expect, test } from 'vitest';
import { sharedAbortController } from '@tq/core';

test('a shared abort signal takes many waiters without a MaxListenersExceededWarning, and wakes them all', async () => {
  const warnings: Error[] = [];
  const onWarning = (warning: Error) => warnings.push(warning);
  process.on('warning', onWarning);
  try {
    const controller = sharedAbortController();
    const woken = Array.from(
      { length: 50 },
      () => new Promise<void>((resolve) => controller.signal.addEventListener('abort', () => resolve(), { once: true })),
    );
    controller.abort();
    await Promise.all(woken);
    await new Promise((resolve) => setImmediate(resolve)); // warnings are emitted on the next tick
    expect(warnings.filter((warning) => warning.name === 'MaxListenersExceededWarning')).toEqual([]);
  } finally {
    process.off('warning', onWarning);
  }
});

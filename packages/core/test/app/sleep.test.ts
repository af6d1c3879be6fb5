import { expect, test } from 'vitest';
import { ErrorCodes, TqError } from '../../src/index.js';
import { sleep } from '../../src/app/sleep.js';

const timers = () => process.getActiveResourcesInfo().filter((kind) => kind === 'Timeout').length;

test('a pending sleep keeps the process alive, so an awaited retry cannot end the process early', async () => {
  const before = timers();
  const pending = sleep(20);
  expect(timers()).toBe(before + 1);
  await pending;
  expect(timers()).toBe(before);
});

test('an aborted sleep rejects with TQ_ABORTED and leaves no timer behind', async () => {
  const before = timers();
  const controller = new AbortController();
  const pending = sleep(60_000, controller.signal);
  controller.abort();
  const error = await pending.catch((caught: unknown) => caught);
  expect(TqError.is(error, ErrorCodes.ABORTED)).toBe(true);
  expect(timers()).toBe(before);
});

// Sends the example tasks and prints their results. Run a worker first (see README), or use `pnpm example`.
import type { TaskFailedError } from '@tq/core';
import { add, app, divide, flaky, sleepy, wordCount } from './tasks.js';

const timeout = 30;
const sums = await Promise.all([1, 2, 3, 4, 5].map((n) => add.delay(n, n * 10).get({ timeout })));
console.log('add:', JSON.stringify(sums));
console.log('word_count:', JSON.stringify(await wordCount.delay('the quick brown fox jumps over the lazy dog').get({ timeout })));
console.log('flaky:', await flaky.delay().get({ timeout }));
console.log('countdown 1s:', await add.applyAsync([40, 2], null, { countdown: 1 }).get({ timeout }));
try {
  await sleepy.applyAsync([5000], null, { softTimeLimit: 0.2 }).get({ timeout });
} catch (error) {
  console.log('sleepy with a 0.2s soft limit:', (error as TaskFailedError).excType);
}
try {
  await divide.delay(1, 0).get({ timeout });
} catch (error) {
  const failure = error as TaskFailedError;
  console.log('divide by zero:', `${failure.code} ${failure.excType}: ${failure.excMessage.join(', ')}`);
}
await app.close();

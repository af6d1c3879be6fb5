import { describe, expect, test } from 'vitest';
import { topicMatches } from '../../src/index.js';

describe('topicMatches (AMQP topic rules)', () => {
  test.each([
    ['a.*', 'a.b', true],
    ['a.*', 'a', false],
    ['a.*', 'a.b.c', false],
    ['a.#', 'a', true],
    ['a.#', 'a.b.c', true],
    ['#', '', true],
    ['#', 'anything.at.all', true],
    ['#.z', 'z', true],
    ['#.z', 'x.y.z', true],
    ['*.*', 'a.b', true],
    ['*.*', 'a', false],
    ['a.#.z', 'a.z', true],
    ['a.#.z', 'a.b.c.z', true],
    ['a.#.#.z', 'a.b.z', true],
    ['a.b', 'a.b', true],
    ['a.b', 'a.c', false],
    ['', '', true],
  ])('%s matches %s: %s', (pattern, key, expected) => {
    expect(topicMatches(pattern, key)).toBe(expected);
  });
});

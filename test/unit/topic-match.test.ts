/** The topic matcher as pure functions (core/engine/topic-match.ts). */
import { describe, expect, it } from 'vitest';
import { matchesBindingKey, matchesTags } from '../../core/index.js';

describe('matchesBindingKey (AMQP topic style)', () => {
  it.each([
    ['a.b.c', 'a.b.c', true],
    ['a.b.c', 'a.b', false],
    ['a.b', 'a.b.c', false],
    ['*', 'a', true],
    ['*', 'a.b', false],
    ['*', '', true],
    ['*.b', 'a.b', true],
    ['*.b', 'b', false],
    ['a.*.c', 'a.x.c', true],
    ['a.*.c', 'a.c', false],
    ['a.*.c', 'a.x.y.c', false],
    ['#', 'a', true],
    ['#', 'a.b.c', true],
    ['#', '', true],
    ['a.#', 'a', true],
    ['a.#', 'a.b', true],
    ['a.#', 'a.b.c', true],
    ['a.#', 'b.a', false],
    ['#.c', 'c', true],
    ['#.c', 'a.b.c', true],
    ['#.c', 'a.b.c.d', false],
    ['a.#.c', 'a.c', true],
    ['a.#.c', 'a.b.b.c', true],
    ['a.#.c', 'a.b.d', false],
    ['#.#', 'a', true],
    ['#.*', 'a', true],
    ['#.*', '', true],
    ['*.#.*', 'a', false],
    ['*.#.*', 'a.b', true],
    ['a*', 'ab', false],
    ['a*', 'a*', true],
    ['a.#b', 'a.xb', false],
    ['a..b', 'a..b', true],
  ])('%j against %j: %s', (binding, routing, expected) => {
    expect(matchesBindingKey(binding, routing)).toBe(expected);
  });
});

describe('matchesTags', () => {
  it('a subscription without filter tags takes every message, tagged or not', () => {
    expect(matchesTags([], [])).toBe(true);
    expect(matchesTags([], ['a'])).toBe(true);
  });

  it('a tagged subscription takes a message sharing one tag, never an untagged one', () => {
    expect(matchesTags(['a', 'b'], ['b', 'c'])).toBe(true);
    expect(matchesTags(['a'], ['b'])).toBe(false);
    expect(matchesTags(['a'], [])).toBe(false);
  });
});

import { describe, expect, it } from 'vitest';
import { createMemoryReplayStore, ReplayStoreFullError } from '../src/index.js';

function clock(start = 1_000_000): { now: () => number; advance: (ms: number) => void } {
  let time = start;
  return { now: () => time, advance: (ms) => void (time += ms) };
}

describe('createMemoryReplayStore', () => {
  it('answers true for the first claim of a key and false for every claim within its TTL', () => {
    const { now, advance } = clock();
    const store = createMemoryReplayStore({ now });
    expect(store.claim('jti-1', 60)).toBe(true);
    expect(store.claim('jti-1', 60)).toBe(false);
    advance(59_999);
    expect(store.claim('jti-1', 60)).toBe(false);
    expect(store.claim('jti-2', 60)).toBe(true);
  });

  it('frees a key once its TTL has passed', () => {
    const { now, advance } = clock();
    const store = createMemoryReplayStore({ now });
    store.claim('jti', 2);
    advance(2000);
    expect(store.claim('jti', 2)).toBe(true);
    expect(store.claim('jti', 2)).toBe(false);
  });

  it('refuses new claims when full of live keys rather than forgetting one early', () => {
    const { now, advance } = clock();
    const store = createMemoryReplayStore({ maxEntries: 3, now });
    for (const key of ['a', 'b', 'c']) expect(store.claim(key, 10)).toBe(true);
    advance(4000);
    let refusal: unknown;
    try {
      store.claim('d', 10);
    } catch (error) {
      refusal = error;
    }
    expect(refusal).toBeInstanceOf(ReplayStoreFullError);
    expect((refusal as ReplayStoreFullError).retryAfter).toBe(6);
    // Every live key is still remembered: the replays are still refused.
    for (const key of ['a', 'b', 'c']) expect(store.claim(key, 10)).toBe(false);
  });

  it('makes room once the oldest keys expire', () => {
    const { now, advance } = clock();
    const store = createMemoryReplayStore({ maxEntries: 2, now });
    store.claim('a', 5);
    store.claim('b', 5);
    advance(5000);
    expect(store.claim('c', 5)).toBe(true);
    expect(store.claim('d', 5)).toBe(true);
    expect(() => store.claim('e', 5)).toThrow(ReplayStoreFullError);
  });

  it('finds expired keys behind a live head when TTLs differ (one sweep per second)', () => {
    const { now, advance } = clock();
    const store = createMemoryReplayStore({ maxEntries: 2, now });
    store.claim('long', 60);
    store.claim('short', 1);
    advance(1000);
    expect(store.claim('new', 60)).toBe(true);
    expect(store.claim('long', 60)).toBe(false);
  });

  it('refuses bad TTLs and bad options', () => {
    const store = createMemoryReplayStore();
    expect(() => store.claim('k', 0)).toThrow(RangeError);
    expect(() => store.claim('k', 1.5)).toThrow(RangeError);
    expect(() => store.claim('k', Number.NaN)).toThrow(RangeError);
    expect(() => createMemoryReplayStore({ maxEntries: 0 })).toThrow(RangeError);
    expect(() => createMemoryReplayStore({ maxEntries: 1.5 })).toThrow(RangeError);
  });

  it('stays bounded under a flood of distinct keys', () => {
    const { now } = clock();
    const store = createMemoryReplayStore({ maxEntries: 1000, now });
    let refused = 0;
    for (let i = 0; i < 5000; i++) {
      try {
        store.claim(`k${i}`, 300);
      } catch {
        refused++;
      }
    }
    expect(refused).toBe(4000);
    expect((store as unknown as { size: number }).size).toBe(1000);
  });
});

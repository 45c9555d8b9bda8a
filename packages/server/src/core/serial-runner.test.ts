import { describe, expect, it } from 'vitest';
import { SerialRunner } from './serial-runner.js';

function deferred() {
  let resolve!: () => void;
  let reject!: (err: unknown) => void;
  const promise = new Promise<void>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

const tick = () => new Promise<void>((r) => setImmediate(r));

describe('SerialRunner', () => {
  it('runs non-blocking tasks at once, in order', () => {
    const r = new SerialRunner();
    const log: string[] = [];
    r.run(() => void log.push('a'));
    r.run(() => void log.push('b'));
    expect(log).toEqual(['a', 'b']);
  });

  it('holds later tasks back until a blocking task settles', async () => {
    const r = new SerialRunner();
    const log: string[] = [];
    const gate = deferred();
    r.run(() => {
      log.push('join');
      return gate.promise;
    });
    r.run(() => void log.push('publish 1'));
    r.run(() => void log.push('publish 2'));
    await tick();
    expect(log).toEqual(['join']);
    gate.resolve();
    await tick();
    expect(log).toEqual(['join', 'publish 1', 'publish 2']);
  });

  it('a non-blocking task does not hold back the next one', async () => {
    const r = new SerialRunner();
    const log: string[] = [];
    const never = deferred();
    r.run(() => {
      log.push('publish');
      void never.promise; // its reply comes later; it returns nothing, so it does not block
      return undefined;
    });
    r.run(() => void log.push('next'));
    expect(log).toEqual(['publish', 'next']);
  });

  it('keeps order across a chain of blocking tasks queued behind each other', async () => {
    const r = new SerialRunner();
    const log: string[] = [];
    const g1 = deferred();
    const g2 = deferred();
    r.run(() => {
      log.push('a');
      return g1.promise;
    });
    r.run(() => void log.push('b'));
    r.run(() => {
      log.push('c');
      return g2.promise;
    });
    r.run(() => void log.push('d'));
    g1.resolve();
    await tick();
    expect(log).toEqual(['a', 'b', 'c']);
    r.run(() => void log.push('e')); // arrives while c blocks
    await tick();
    expect(log).toEqual(['a', 'b', 'c']);
    g2.resolve();
    await tick();
    expect(log).toEqual(['a', 'b', 'c', 'd', 'e']);
  });

  it('runs queued tasks after a blocking task that fails', async () => {
    const r = new SerialRunner();
    const log: string[] = [];
    const gate = deferred();
    r.run(() => gate.promise);
    r.run(() => void log.push('after'));
    gate.reject(new Error('boom'));
    await tick();
    expect(log).toEqual(['after']);
  });

  it('runs at once again once the backlog is empty', async () => {
    const r = new SerialRunner();
    const log: string[] = [];
    const gate = deferred();
    r.run(() => gate.promise);
    gate.resolve();
    await tick();
    r.run(() => void log.push('now'));
    expect(log).toEqual(['now']);
  });
});

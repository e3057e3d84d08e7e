import { describe, expect, it } from 'vitest';
import { createGate } from './gate.ts';
import { ShutdownError } from './errors.ts';

const later = () => {
  let resolve: (v: string) => void = () => undefined;
  const promise = new Promise<string>((r) => (resolve = r));
  return { promise, resolve };
};

describe('gate', () => {
  it('runs at most `slots` jobs at once', async () => {
    const gate = createGate(2, new AbortController().signal);
    let running = 0;
    let peak = 0;
    const job = async () => {
      running++;
      peak = Math.max(peak, running);
      await new Promise((r) => setTimeout(r, 5));
      running--;
      return 'done';
    };
    expect(await Promise.all(Array.from({ length: 6 }, () => gate(job)))).toHaveLength(6);
    expect(peak).toBe(2);
  });

  it('turns away jobs still waiting when the drain starts, and lets the running one finish', async () => {
    const draining = new AbortController();
    const gate = createGate(1, draining.signal);
    const first = later();
    let secondRan = false;
    const running = gate(() => first.promise);
    const waiting = gate(async () => {
      secondRan = true;
      return 'never';
    });
    await new Promise((r) => setTimeout(r, 1));
    draining.abort();
    await expect(waiting).rejects.toBeInstanceOf(ShutdownError);
    first.resolve('finished');
    expect(await running).toBe('finished');
    expect(secondRan).toBe(false);
    await expect(gate(async () => 'late')).rejects.toBeInstanceOf(ShutdownError);
  });
});

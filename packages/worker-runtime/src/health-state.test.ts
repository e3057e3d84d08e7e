import { describe, expect, it } from 'vitest';
import { EVENT_LOOP_STALL_MS, createWorkerHealth } from './health-state.ts';

function clock() {
  let now = 1_000_000;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('worker health: readiness', () => {
  it('is not ready before the first successful receive, then ready', () => {
    const c = clock();
    const health = createWorkerHealth(60, c.now);
    expect(health.readiness()).toMatch(/waiting for the first successful SQS receive/);
    health.received();
    expect(health.readiness()).toBeUndefined();
  });

  it('drops while the queue is unreachable and comes back with the next successful receive', () => {
    const health = createWorkerHealth(60, clock().now);
    health.received();
    health.receiveFailed('connect ECONNREFUSED 127.0.0.1:9');
    expect(health.readiness()).toBe('last SQS receive failed: connect ECONNREFUSED 127.0.0.1:9');
    health.received();
    expect(health.readiness()).toBeUndefined();
  });

  it('drops for good once draining starts', () => {
    const health = createWorkerHealth(60, clock().now);
    health.received();
    health.startDraining();
    health.received();
    expect(health.readiness()).toBe('draining');
    expect(health.consuming).toBe(false);
  });
});

describe('worker health: liveness', () => {
  it('fails when the event loop has not ticked for the stall limit', () => {
    const c = clock();
    const health = createWorkerHealth(60, c.now);
    c.advance(EVENT_LOOP_STALL_MS - 1);
    health.photoFinished();
    expect(health.liveness()).toBeUndefined();
    c.advance(2);
    expect(health.liveness()).toMatch(/^event loop stalled for 10001 ms$/);
    health.tick();
    expect(health.liveness()).toBeUndefined();
  });

  it('fails when no receive returned and no photo finished for 2 minutes (a wedged consumer)', () => {
    const c = clock();
    const health = createWorkerHealth(60, c.now);
    health.received();
    for (let s = 0; s < 119; s++) {
      c.advance(1_000);
      health.tick();
    }
    expect(health.liveness()).toBeUndefined();
    c.advance(1_001);
    health.tick();
    expect(health.liveness()).toMatch(/^no receive returned and no photo finished for 120001 ms$/);
    health.photoFinished();
    expect(health.liveness()).toBeUndefined();
  });

  it('waits two visibility timeouts before calling a long visibility worker wedged', () => {
    const c = clock();
    const health = createWorkerHealth(300, c.now);
    c.advance(599_000);
    health.tick();
    expect(health.liveness()).toBeUndefined();
    c.advance(2_000);
    health.tick();
    expect(health.liveness()).toMatch(/no receive returned/);
  });

  it('stays live through an SQS outage: failed receives are activity, restarting cannot fix SQS', () => {
    const c = clock();
    const health = createWorkerHealth(60, c.now);
    for (let s = 0; s < 600; s += 10) {
      c.advance(10_000);
      health.tick();
      health.receiveFailed('connect ECONNREFUSED');
    }
    expect(health.liveness()).toBeUndefined();
    expect(health.readiness()).toMatch(/ECONNREFUSED/);
  });
});

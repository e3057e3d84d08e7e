import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SCALING_DEFAULTS } from '@darkroom/pipeline-spec';
import { StackConfigError } from '@darkroom/infra/config';
import { describe, expect, it } from 'vitest';
import {
  REPO_ROOT,
  StackFileError,
  durationSeconds,
  planSettings,
  quantity,
  readStack,
} from './settings.ts';

describe('reading a stack through infra’s schema', () => {
  it('reads the real Pulumi.dev.yaml with infra’s defaults filled in', () => {
    const config = readStack('dev');
    expect(config.clusterName).toBe('darkroom-dev');
    const settings = planSettings(config);
    expect(settings.nodePool.cpuLimit).toBe(64);
    expect(settings.nodePool.consolidateAfterSeconds).toBe(60);
    // dev sets no darkroom:keda, so infra's schema defaults apply (10 s polling, 300 s cooldown).
    expect(settings.pollingIntervalSeconds).toBe(10);
    expect(settings.cooldownPeriodSeconds).toBe(300);
    const grayscale = settings.operations.find((o) => o.operation === 'grayscale');
    expect(grayscale?.queueLength).toBe(SCALING_DEFAULTS.grayscale.queueLength);
    expect(grayscale?.minReplicas).toBe(0);
    expect(grayscale?.cpuTarget).toBe(0.75);
    expect(grayscale?.behavior.scaleDown.stabilizationWindowSeconds).toBe(300);
  });

  it('reads prod’s overrides (warm pod, 600 s cooldown, 512 vCPU)', () => {
    const settings = planSettings(readStack('prod'));
    expect(settings.cooldownPeriodSeconds).toBe(600);
    expect(settings.nodePool.cpuLimit).toBe(512);
    expect(settings.operations.map((o) => [o.minReplicas, o.maxReplicas])).toEqual([
      [1, 100],
      [1, 100],
      [1, 56],
    ]);
  });

  it('rejects an invalid stack value with infra’s own error, naming the key', () => {
    const dir = mkdtempSync(join(tmpdir(), 'planner-stack-'));
    const dev = readFileSync(join(REPO_ROOT, 'Pulumi.dev.yaml'), 'utf8');
    writeFileSync(join(dir, 'Pulumi.bad.yaml'), dev.replace('cpuLimit: "64"', 'cpuLimit: lots'));
    expect(() => readStack('bad', dir)).toThrow(StackConfigError);
    expect(() => readStack('bad', dir)).toThrow(
      /darkroom:karpenter\.cpuLimit must be a Kubernetes quantity.*received "lots"/,
    );
  });

  it('names a missing stack file', () => {
    expect(() => readStack('nope')).toThrow(StackFileError);
  });
});

describe('quantities and durations as Kubernetes writes them', () => {
  it('reads cores, millicores and memory units', () => {
    expect(quantity('2')).toBe(2);
    expect(quantity('500m')).toBe(0.5);
    expect(quantity('512Mi')).toBe(0.5);
  });
  it('reads Karpenter durations', () => {
    expect(durationSeconds('1m')).toBe(60);
    expect(durationSeconds('1h30m')).toBe(5400);
    expect(durationSeconds('Never')).toBe(Number.POSITIVE_INFINITY);
  });
});

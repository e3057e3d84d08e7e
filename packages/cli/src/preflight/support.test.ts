/**
 * `darkroom support` (and preflight's "kubernetes support" line) from the stack's own config, on
 * fixed dates either side of the boundaries: a user learns before the bill changes, not after.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cli } from '../testing.ts';
import type { SupportResult } from './preflight.ts';

const stackFile = (stack: string) =>
  new URL(`../../../../Pulumi.${stack}.yaml`, import.meta.url).pathname;

/** The dev stack file pinned to another minor (a stack that was not upgraded). */
function devOn(minor: string): string {
  const path = join(mkdtempSync(join(tmpdir(), 'darkroom-support-')), 'Pulumi.dev.yaml');
  const text = readFileSync(stackFile('dev'), 'utf8')
    .replace(/darkroom:kubernetesVersion: "1\.35"/, `darkroom:kubernetesVersion: "${minor}"`)
    .replace(/chartVersion: 1\.14\.1/, 'chartVersion: 1.8.1')
    .replace(/amiAlias: al2023@v20260714/, 'amiAlias: al2023@v20251120');
  writeFileSync(path, text);
  return path;
}

const support = async (config: string, today: string, stack = 'dev') => {
  const run = await cli([
    '--stack',
    stack,
    '--json',
    'support',
    '--config',
    config,
    '--today',
    today,
  ]);
  return { code: run.code, result: JSON.parse(run.stdout) as SupportResult, stderr: run.stderr };
};

describe('darkroom support', () => {
  it('passes a stack in standard support today, with the date it ends and what happens then', async () => {
    const { code, result } = await support(stackFile('dev'), '2026-12-03');
    expect(code).toBe(0);
    expect(result.check.detail).toBe(
      'Kubernetes 1.35: standard support until 2027-03-27 (114 days), then EKS upgrades the control plane (supportType STANDARD)',
    );
  });

  it('warns 60 days ahead, with the price of extended support for a stack that keeps it', async () => {
    const { code, result } = await support(stackFile('prod'), '2027-01-26', 'prod');
    expect([code, result.check.warning, result.check.ok]).toEqual([0, true, true]);
    expect(result.check.detail).toContain('standard support ends 2027-03-27, in 60 days');
    expect(result.check.detail).toContain('$0.6/h ($438/month) instead of $0.1/h ($73/month)');
    const dayBefore = await support(stackFile('prod'), '2027-01-25', 'prod');
    expect(dayBefore.result.check.warning).toBeUndefined();
  });

  it('fails (exit 2) the day standard support has ended, and says what it costs', async () => {
    const old = devOn('1.34');
    const before = await support(old, '2026-12-01');
    expect([before.code, before.result.check.warning]).toEqual([0, true]);
    const after = await support(old, '2026-12-02');
    expect(after.code).toBe(2);
    expect(after.result.check.detail).toBe(
      'Kubernetes 1.34 left standard support on 2026-12-02: the control plane is billed $0.6/h ($438/month), six times the $0.1/h of standard support, until 2027-12-02',
    );
    expect(after.result.check.fix).toContain('support-calendar.ts');
  });

  it('refuses a date it cannot read', async () => {
    const run = await cli([
      '--stack',
      'dev',
      'support',
      '--config',
      stackFile('dev'),
      '--today',
      'soon',
    ]);
    expect(run.code).toBe(64);
  });
});

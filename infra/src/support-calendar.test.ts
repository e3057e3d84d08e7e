/**
 * The support calendar on both sides of each boundary, and the pins it judges: a stack whose
 * Kubernetes minor no component supports, or that is past standard support, is caught before
 * it is deployed (and billed six times over for its control plane).
 */
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { NODE_LINE, componentProblem, releaseLine, supportStatus } from './support-calendar.ts';
import { REPO_ROOT, stackConfig } from './testing/stacks.ts';

const at = (iso: string) => new Date(iso);

describe('support status of a Kubernetes minor on EKS', () => {
  it.each([
    ['1.34', '2026-10-01T23:59:59Z', 'standard', 0.1], // 61 days before the end
    ['1.34', '2026-10-03T00:00:00Z', 'ending', 0.1], // 60 days before the end: warn
    ['1.34', '2026-12-01T23:59:59Z', 'ending', 0.1],
    ['1.34', '2026-12-02T00:00:00Z', 'extended', 0.6], // standard support ended that day, 00:00 UTC
    ['1.34', '2026-12-03T09:00:00Z', 'extended', 0.6], // today
    ['1.34', '2027-12-02T00:00:00Z', 'unsupported', 0.6],
    ['1.35', '2026-12-03T09:00:00Z', 'standard', 0.1],
    ['1.35', '2027-01-26T00:00:00Z', 'ending', 0.1],
    ['1.99', '2026-12-03T09:00:00Z', 'unknown', 0.1],
  ] as const)('%s on %s is %s ($%s per cluster-hour)', (minor, when, phase, price) => {
    const status = supportStatus(minor, at(when));
    expect([status.phase, status.pricePerHour]).toEqual([phase, price]);
  });

  it('counts the days left to the end of standard support', () => {
    expect(supportStatus('1.35', at('2027-03-25T00:00:00Z')).daysToStandardEnd).toBe(2);
  });
});

describe('which component release supports which minor', () => {
  it.each([
    ['karpenter', '1.8.1', '1.35', /karpenter 1.8 supports Kubernetes 1.26–1.34, not 1.35/],
    ['karpenter', '1.14.1', '1.35', undefined],
    ['keda', '2.18.1', '1.35', /keda 2.18 supports Kubernetes 1.31–1.33, not 1.35/],
    ['keda', '2.20.2', '1.36', /not 1.36/],
    ['keda', '2.20.2', '1.35', undefined],
    ['eksAmi', 'al2023@v20251120', '1.35', /not 1.35/],
    ['eksAmi', 'al2023@v20260714', '1.35', undefined],
    ['keda', '2.99.0', '1.35', /no entry for its line 2.99/],
  ] as const)('%s %s on %s', (component, version, minor, expected) => {
    const problem = componentProblem(component, version, minor);
    if (expected === undefined) expect(problem).toBeUndefined();
    else expect(problem).toMatch(expected);
  });

  it('reads release lines of charts and AMI aliases', () => {
    expect(releaseLine('1.14.1')).toBe('1.14');
    expect(releaseLine('v2.20.2')).toBe('2.20');
    expect(releaseLine('al2023@v20260714')).toBe('v20260714');
  });
});

describe.each(['dev', 'prod'])('Pulumi.%s.yaml', (stack) => {
  it('pins a minor in standard support today, and components that all support it', () => {
    const config = stackConfig(stack);
    expect(supportStatus(config.kubernetesVersion, new Date('2026-12-03T00:00:00Z')).phase).toBe(
      'standard',
    );
  });
});

describe('the Node.js line is one decision', () => {
  it('the .nvmrc, the engines range and the node package all follow NODE_LINE', () => {
    const pkg = JSON.parse(readFileSync(`${REPO_ROOT}package.json`, 'utf8')) as {
      engines: { node: string };
      devDependencies: Record<string, string>;
    };
    expect(readFileSync(`${REPO_ROOT}.nvmrc`, 'utf8').trim()).toBe(String(NODE_LINE.major));
    expect(pkg.engines.node).toBe(`>=${NODE_LINE.major}.0.0 <${NODE_LINE.major + 1}`);
    expect(pkg.devDependencies['node']?.split('.')[0]).toBe(String(NODE_LINE.major));
    expect(readFileSync(`${REPO_ROOT}services/Dockerfile`, 'utf8')).toContain(
      `nodejs${NODE_LINE.major}-debian12`,
    );
  });
});

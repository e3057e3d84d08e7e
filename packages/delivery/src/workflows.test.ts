/**
 * The workflows' own rules, read from the YAML: thin (credentials and calls to .ci/ only),
 * every action pinned by commit and recorded, least-privilege tokens, the prod boundary
 * (environments, per-stack roles and queues), deploys after the checks of the same commit, and
 * no third-party code run after a credential is in the environment.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from './fakes.ts';

interface Step {
  uses?: string;
  run?: string;
  with?: Record<string, unknown>;
  env?: Record<string, string>;
}
interface Job {
  'runs-on'?: string;
  needs?: string | string[];
  environment?: string;
  permissions?: Record<string, string>;
  concurrency?: { group: string; 'cancel-in-progress': boolean };
  steps?: Step[];
  uses?: string;
  'timeout-minutes'?: number;
}
interface Workflow {
  permissions?: Record<string, string>;
  jobs: Record<string, Job>;
}

const DIR = `${REPO_ROOT}.github/workflows/`;
const files = readdirSync(DIR).filter((f) => f.endsWith('.yml'));
const text = (file: string) => readFileSync(DIR + file, 'utf8');
const workflow = (file: string) => parse(text(file)) as Workflow;
const ci = workflow('ci.yml');
const pins = readFileSync(`${REPO_ROOT}.github/PINS.md`, 'utf8');
const allSteps = files.flatMap((f) =>
  Object.entries(workflow(f).jobs).flatMap(([job, j]) =>
    (j.steps ?? []).map((s) => ({ f, job, s })),
  ),
);
const needsOf = (job: string): string[] => {
  const needs = ci.jobs[job]?.needs ?? [];
  const direct = Array.isArray(needs) ? needs : [needs];
  return [...direct, ...direct.flatMap(needsOf)];
};
const assumes = (j: Job) =>
  (j.steps ?? []).find((s) => s.uses?.startsWith('aws-actions/configure-aws-credentials@'))?.with?.[
    'role-to-assume'
  ];

describe('workflows', () => {
  it('pin every action by full commit SHA with its tag, each recorded in .github/PINS.md', () => {
    const lines = files.flatMap((f) =>
      text(f)
        .split('\n')
        .filter((l) => /^\s*(-\s+)?uses:/.test(l)),
    );
    const external = lines.filter((l) => !l.includes('uses: ./'));
    expect(external.length).toBeGreaterThan(10);
    for (const line of external) {
      const match = /uses: ([\w.-]+\/[\w.-]+)@([0-9a-f]{40}) # (v\d+\.\d+\.\d+)$/.exec(line.trim());
      expect(match, `not pinned as owner/repo@<sha> # vX.Y.Z: ${line.trim()}`).not.toBeNull();
      const [, action, sha, tag] = match ?? [];
      expect(pins, `${action}@${tag} is not in PINS.md`).toContain(
        `| ${action} | ${tag} | ${sha} |`,
      );
    }
  });

  it('run only .ci/ scripts: every decision lives where a test can run it', () => {
    const allowed = [
      /^bash \.ci\/[a-z-]+( [a-z]+)*( >> "\$GITHUB_OUTPUT")?$/,
      /^cat \.ci\/versions\.env >> "\$GITHUB_ENV"$/,
      /^bash \.ci\/image-ref "\$\(jq -r --arg op "\$OPERATION" '\.\[\$op\]' <<<"\$IMAGES"\)" >> "\$GITHUB_OUTPUT"$/,
    ];
    for (const { f, job, s } of allSteps.filter((x) => x.s.run !== undefined))
      expect(
        allowed.some((re) => re.test(String(s.run).trim())),
        `${f} ${job}: ${s.run}`,
      ).toBe(true);
  });

  it('grant no token permission by default, and each job only what it uses', () => {
    for (const f of files) {
      expect(workflow(f).permissions, f).toEqual({});
      for (const [name, job] of Object.entries(workflow(f).jobs))
        expect(job.permissions, `${f} ${name}`).toBeDefined();
    }
    expect(ci.jobs['check']?.permissions).toEqual({ contents: 'read', actions: 'read' });
    // Only jobs that assume a role, and the attestations' signer, may mint an OIDC token.
    for (const [name, job] of Object.entries(ci.jobs))
      if (job.permissions?.['id-token'] === 'write')
        expect(assumes(job) ?? job.uses, name).toBeDefined();
  });

  it('deploy each stack only from its own environment, role and queue, after the checks of the same commit', () => {
    for (const stack of ['dev', 'prod']) {
      const deploy = ci.jobs[`deploy-${stack}`] ?? expect.fail(`no deploy-${stack}`);
      expect(deploy.environment).toBe(stack);
      expect(assumes(deploy)).toBe(`\${{ vars.AWS_DEPLOY_${stack.toUpperCase()}_ROLE_ARN }}`);
      expect(deploy.concurrency).toEqual({ group: `deploy-${stack}`, 'cancel-in-progress': false });
      expect(needsOf(`deploy-${stack}`)).toContain('check');
      // The deployed stack is proven end to end before anything follows it.
      const runs = (deploy.steps ?? []).map((s) => s.run);
      expect(runs.indexOf(`bash .ci/smoke ${stack}`)).toBe(
        runs.indexOf(`bash .ci/deploy ${stack} up`) + 1,
      );
    }
    // Reviewers see prod's preview before approving, and prod waits for dev's attestations.
    expect(ci.jobs['preview-prod']?.environment).toBe('prod-preview');
    expect(assumes(ci.jobs['preview-prod'] ?? {})).toBe('${{ vars.AWS_PREVIEW_PROD_ROLE_ARN }}');
    expect(needsOf('deploy-prod')).toEqual(
      expect.arrayContaining(['preview-prod', 'deploy-dev', 'attest-dev']),
    );
    expect(ci.jobs['deploy-prod']?.['runs-on']).toBe(
      "${{ vars.PROD_DEPLOY_RUNNER || 'ubuntu-24.04' }}",
    );
  });

  it('preview pull requests with the dev preview role only, and skip forks (no OIDC token) instead of failing', () => {
    const preview = ci.jobs['preview-dev'] ?? expect.fail('no preview-dev');
    expect(assumes(preview)).toBe('${{ vars.AWS_PREVIEW_DEV_ROLE_ARN }}');
    expect(preview.environment).toBeUndefined();
    expect(String((preview as { if?: string }).if)).toContain(
      'github.event.pull_request.head.repo.full_name == github.repository',
    );
    for (const [name, job] of Object.entries(ci.jobs))
      if (name !== 'preview-dev' && assumes(job)) expect(job.environment, name).toBeDefined();
  });

  it('run no install script or scanner download once a credential is in the environment', () => {
    for (const [name, job] of Object.entries(ci.jobs)) {
      const steps = job.steps ?? [];
      const credentialAt = steps.findIndex((s) =>
        s.uses?.startsWith('aws-actions/configure-aws-credentials@'),
      );
      if (credentialAt < 0) continue;
      const before = steps.slice(0, credentialAt);
      const after = steps.slice(credentialAt + 1);
      // After the role is assumed, only GitHub's own actions (the artifact upload) may run.
      expect(
        after.filter((s) => s.uses && !s.uses.startsWith('actions/')),
        `${name}: third-party actions after the credentials`,
      ).toEqual([]);
      expect(
        after.some((s) => /npm (ci|install)/.test(String(s.run))),
        name,
      ).toBe(false);
      expect(
        before.some((s) => s.run === 'bash .ci/install-for-deploy'),
        name,
      ).toBe(true);
      expect(
        steps.filter((s) => /npm (ci|install)/.test(String(s.run))),
        `${name}: installs without .ci/install-for-deploy`,
      ).toEqual([]);
    }
  });

  it('install the pinned Trivy and Pulumi versions, from one file each', () => {
    const trivy = allSteps.filter((x) => x.s.uses?.startsWith('aquasecurity/setup-trivy@'));
    expect(trivy.length).toBeGreaterThan(0);
    for (const { s } of trivy) expect(s.with?.['version']).toBe('${{ env.TRIVY_VERSION }}');
    const pulumi = allSteps.filter((x) => x.s.uses?.startsWith('pulumi/actions@'));
    for (const { s } of pulumi) {
      expect(s.with).toEqual({ 'pulumi-version-file': '.ci/pulumi.version' });
    }
    const sdk = (
      JSON.parse(readFileSync(`${REPO_ROOT}infra/package.json`, 'utf8')) as {
        dependencies: Record<string, string>;
      }
    ).dependencies['@pulumi/pulumi'];
    expect(readFileSync(`${REPO_ROOT}.ci/pulumi.version`, 'utf8').trim()).toBe(sdk);
  });

  it('give every job a timeout inside its credentials’ lifetime', () => {
    for (const [name, job] of Object.entries(ci.jobs)) {
      if (job.uses) continue;
      expect(job['timeout-minutes'], name).toBeDefined();
      const seconds = (job.steps ?? []).find((s) => s.with?.['role-duration-seconds'])?.with?.[
        'role-duration-seconds'
      ];
      if (seconds !== undefined)
        expect(Number(seconds), name).toBeGreaterThanOrEqual((job['timeout-minutes'] ?? 0) * 60);
    }
  });
});

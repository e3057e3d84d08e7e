/**
 * .ci/deploy, the one place the workflows' Pulumi decisions live, run against a recording fake
 * `pulumi`: the exact calls and their order, and what happens when each fails. Pulumi behaviour
 * cited from pulumi/pulumi v3.259.0: `stack select --secrets-provider` takes effect only with
 * `--create` (pkg/cmd/pulumi/stack/stack_select.go); a DIY stack whose file names no provider
 * falls back to a passphrase unless PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER is set
 * (pkg/cmd/pulumi/stack/secrets.go); a preview takes no lock (pkg/backend/diy/backend.go).
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { type FakeRule, REPO_ROOT, sandbox } from './fakes.ts';

const BUCKET = 'darkroom-pulumi-state-123';
const provider = (stack: string) => `awskms://alias/darkroom-pulumi-${stack}?region=eu-west-1`;
const kmsState = (stack: string) =>
  JSON.stringify({
    deployment: { secrets_providers: { type: 'cloud', state: { url: provider(stack) } } },
  });

function deploying(stack: 'dev' | 'prod', rules: readonly FakeRule[] = [], stackFile?: string) {
  const box = sandbox();
  box.write(
    `Pulumi.${stack}.yaml`,
    stackFile ?? readFileSync(`${REPO_ROOT}Pulumi.${stack}.yaml`, 'utf8'),
  );
  box.fake('npx');
  box.fake(
    'pulumi',
    [
      ...rules,
      { prefix: 'stack export', stdout: kmsState(stack) },
      { prefix: 'stack output', stdout: '{"imageRefs":{}}' },
    ],
    ['PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER'],
  );
  return box;
}
const env = { PULUMI_STATE_BUCKET: BUCKET };
const flags = (stack: string) =>
  `--stack ${stack} --non-interactive --diff --policy-pack infra/policy`;

describe('.ci/deploy', () => {
  it('deploys a stack: login, select-or-create under its own KMS key, check the state’s key, up, outputs', () => {
    const box = deploying('dev');
    const run = box.run('deploy', ['dev', 'up'], env);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(box.calls().filter((c) => !c.includes(' env '))).toEqual([
      `pulumi login s3://${BUCKET}`,
      `pulumi stack select --create --secrets-provider ${provider('dev')} dev`,
      'pulumi stack export --stack dev',
      'npx --no-install darkroom --stack dev preflight --config Pulumi.dev.yaml',
      `pulumi up ${flags('dev')} --yes --skip-preview`,
      'pulumi stack output --stack dev --json',
    ]);
    // An existing stack whose file lacks `encryptedkey` uses its state's key, never a passphrase.
    expect(box.calls()).toContain('pulumi env PULUMI_FALLBACK_TO_STATE_SECRETS_MANAGER=true');
    expect(box.read('dist/deploy/dev-outputs.json')).toBe('{"imageRefs":{}}');
  });

  it('previews without ever creating the stack or writing its state', () => {
    const box = deploying('prod');
    const run = box.run('deploy', ['prod', 'preview'], env);
    expect(run.code).toBe(0);
    expect(box.calls().filter((c) => !c.includes(' env '))).toEqual([
      `pulumi login s3://${BUCKET}`,
      'pulumi stack select prod',
      'pulumi stack export --stack prod',
      `pulumi preview ${flags('prod')}`,
    ]);
  });

  it('says how a preview of a stack that was never deployed can succeed, instead of "no stack named dev"', () => {
    const box = deploying('dev', [{ prefix: 'stack select dev', exitCode: 255 }]);
    const run = box.run('deploy', ['dev', 'preview'], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('its first deploy creates it');
    expect(box.calls().some((c) => c.startsWith('pulumi preview'))).toBe(false);
  });

  it('refuses a stack file without its KMS secrets provider before touching the backend', () => {
    const box = deploying('dev', [], 'config:\n  aws:region: eu-west-1\n');
    const run = box.run('deploy', ['dev', 'up'], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('must name its secrets provider');
    expect(box.calls()).toEqual([]);
  });

  it('refuses a dev stack file that names prod’s key', () => {
    const box = deploying('dev', [], `secretsprovider: ${provider('prod')}\nconfig: {}\n`);
    expect(box.run('deploy', ['dev', 'up'], env).code).toBe(1);
    expect(box.calls()).toEqual([]);
  });

  it('refuses to run with a passphrase in the environment (it would silently re-key the state)', () => {
    const box = deploying('dev');
    const run = box.run('deploy', ['dev', 'up'], { ...env, PULUMI_CONFIG_PASSPHRASE: 'x' });
    expect(run.code).toBe(1);
    expect(box.calls()).toEqual([]);
  });

  it('never deploys over a state encrypted by a passphrase or another key', () => {
    const box = deploying('dev', [
      {
        prefix: 'stack export',
        stdout: JSON.stringify({ deployment: { secrets_providers: { type: 'passphrase' } } }),
      },
    ]);
    const run = box.run('deploy', ['dev', 'up'], env);
    expect(run.code).toBe(1);
    expect(run.stderr).toContain('change-secrets-provider');
    expect(box.calls().some((c) => c.startsWith('pulumi up'))).toBe(false);
  });

  it('changes nothing when the account fails preflight (quotas, versions, a creator listed as admin)', () => {
    const box = deploying('dev');
    box.fake('npx', [{ prefix: '--no-install darkroom --stack dev preflight', exitCode: 2 }]);
    expect(box.run('deploy', ['dev', 'up'], env).code).toBe(2);
    expect(box.calls().some((c) => c.startsWith('pulumi up'))).toBe(false);
  });

  it('fails the job, and publishes no outputs, when `pulumi up` fails', () => {
    const box = deploying('dev', [{ prefix: 'up', exitCode: 255, stdout: 'error: boom\n' }]);
    const run = box.run('deploy', ['dev', 'up'], env);
    expect(run.code).not.toBe(0);
    expect(box.calls().some((c) => c.startsWith('pulumi stack output'))).toBe(false);
  });

  it('stops at a failed login', () => {
    const box = deploying('dev', [{ prefix: 'login', exitCode: 1 }]);
    expect(box.run('deploy', ['dev', 'up'], env).code).toBe(1);
    expect(box.calls().filter((c) => !c.includes(' env '))).toEqual([
      `pulumi login s3://${BUCKET}`,
    ]);
  });

  it.each([[['staging', 'up']], [['dev', 'destroy']], [['dev']]])(
    'answers a wrong invocation %j with usage (exit 64) and no call',
    (args) => {
      const box = deploying('dev');
      expect(box.run('deploy', args, env).code).toBe(64);
      expect(box.calls()).toEqual([]);
    },
  );

  it('needs the state bucket', () => {
    const box = deploying('dev');
    const run = box.run('deploy', ['dev', 'up'], {});
    expect(run.code).not.toBe(0);
    expect(run.stderr).toContain('PULUMI_STATE_BUCKET');
  });
});

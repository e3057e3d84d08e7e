import { describe, expect, it } from 'vitest';
import { GITHUB_OIDC_HOST, GitHubDeploy, githubSubjects } from './github-deploy.ts';
import {
  ACCOUNT_ID,
  installMocks,
  one,
  ofType,
  settle,
  type MockedProgram,
} from './testing/mocks.ts';

const REPO = 'darkroom-photo/darkroom';
const PROVIDER = `arn:aws:iam::${ACCOUNT_ID}:oidc-provider/${GITHUB_OIDC_HOST}`;

interface Statement {
  Effect: string;
  Action: string | string[];
  Principal?: { Federated?: string };
  Condition?: Record<string, Record<string, string | string[]>>;
}

/**
 * What STS decides for AssumeRoleWithWebIdentity with a GitHub token: some Allow statement for
 * this provider whose every condition holds (StringEquals: the claim equals one of the values).
 */
function mayAssume(trustPolicy: string, claims: { aud: string; sub: string }): boolean {
  const { Statement } = JSON.parse(trustPolicy) as { Statement: Statement[] };
  return Statement.some((s) => {
    const actions = Array.isArray(s.Action) ? s.Action : [s.Action];
    if (s.Effect !== 'Allow' || !actions.includes('sts:AssumeRoleWithWebIdentity')) return false;
    if (s.Principal?.Federated !== PROVIDER) return false;
    return Object.entries(s.Condition ?? {}).every(([operator, keys]) => {
      if (operator !== 'StringEquals') return false; // anything looser is a failure here
      return Object.entries(keys).every(([key, values]) => {
        const claim =
          key === `${GITHUB_OIDC_HOST}:aud`
            ? claims.aud
            : key === `${GITHUB_OIDC_HOST}:sub`
              ? claims.sub
              : undefined;
        return claim !== undefined && (Array.isArray(values) ? values : [values]).includes(claim);
      });
    });
  });
}

async function bootstrap(createOidcProvider: boolean): Promise<MockedProgram> {
  const program = await installMocks('bootstrap');
  new GitHubDeploy('github', {
    repository: REPO,
    branch: 'main',
    prodEnvironment: 'prod',
    stateBucketName: 'darkroom-pulumi-state-123456789012',
    createOidcProvider,
  });
  await settle(program);
  return program;
}

const trustOf = (program: MockedProgram, role: 'preview' | 'deploy'): string =>
  String(one(program, 'aws:iam/role:Role', `github-${role}`).inputs['assumeRolePolicy']);
const token = (sub: string, aud = 'sts.amazonaws.com') => ({ aud, sub });

describe('GitHub deploy roles (infra/bootstrap)', () => {
  it('let only main and the prod environment of this repository deploy', async () => {
    const program = await bootstrap(true);
    const trust = trustOf(program, 'deploy');
    const s = githubSubjects({ repository: REPO, branch: 'main', prodEnvironment: 'prod' });
    expect(mayAssume(trust, token(s.branch))).toBe(true);
    expect(mayAssume(trust, token(s.prodEnvironment))).toBe(true);
    // Denied twins: a pull request, another branch, another environment, another repository,
    // a token minted for another audience.
    expect(mayAssume(trust, token(s.pullRequest))).toBe(false);
    expect(mayAssume(trust, token(`repo:${REPO}:ref:refs/heads/feature`))).toBe(false);
    expect(mayAssume(trust, token(`repo:${REPO}:environment:dev`))).toBe(false);
    expect(mayAssume(trust, token('repo:someone/fork:ref:refs/heads/main'))).toBe(false);
    expect(mayAssume(trust, token(s.branch, 'https://github.com/someone'))).toBe(false);
  });

  it('let pull requests of this repository preview, read-only, and never deploy', async () => {
    const program = await bootstrap(true);
    const trust = trustOf(program, 'preview');
    expect(mayAssume(trust, token(`repo:${REPO}:pull_request`))).toBe(true);
    expect(mayAssume(trust, token('repo:someone/other:pull_request'))).toBe(false);
    expect(mayAssume(trust, token(`repo:${REPO}:ref:refs/heads/main`))).toBe(false);
    const managed = ofType(program, 'aws:iam/rolePolicyAttachment:RolePolicyAttachment').map(
      (r) => [r.name, r.inputs['policyArn']],
    );
    expect(managed).toEqual([
      ['github-preview-managed', 'arn:aws:iam::aws:policy/ReadOnlyAccess'],
      ['github-deploy-managed', 'arn:aws:iam::aws:policy/AdministratorAccess'],
    ]);
  });

  it("trust the account's existing GitHub provider when the bootstrap must not create one", async () => {
    const program = await bootstrap(false);
    expect(ofType(program, 'aws:iam/openIdConnectProvider:OpenIdConnectProvider')).toEqual([]);
    expect(mayAssume(trustOf(program, 'deploy'), token(`repo:${REPO}:ref:refs/heads/main`))).toBe(
      true,
    );
  });

  it('keep the Pulumi state private and versioned, its secrets under a rotating KMS key', async () => {
    const program = await bootstrap(true);
    expect(one(program, 'aws:s3/bucketVersioning:BucketVersioning').inputs).toMatchObject({
      versioningConfiguration: { status: 'Enabled' },
    });
    expect(
      one(program, 'aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock').inputs,
    ).toMatchObject({
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    expect(one(program, 'aws:kms/key:Key').inputs['enableKeyRotation']).toBe(true);
    expect(one(program, 'aws:kms/alias:Alias').inputs['name']).toBe('alias/darkroom-pulumi');
  });
});

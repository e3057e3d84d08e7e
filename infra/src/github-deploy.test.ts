/**
 * infra/bootstrap under mocks: the roles it renders are judged like the data plane's, with the
 * tokens GitHub mints for each kind of job and the requests each job makes, each allowed request
 * with a denied twin (a pull request writing prod state or decrypting prod secrets, a push to main
 * without the prod environment assuming the prod role).
 */
import {
  DELIVERY_ROLES,
  type DeliveryStack,
  type PolicyDocument,
  type TrustPolicyDocument,
  decide,
  deliveryRoleName,
  mayAssumeWithWebIdentity,
} from '@darkroom/access';
import {
  TRUSTED_TOKEN,
  deliveryRequests,
  githubTokens,
  judged,
} from '@darkroom/access/testing/delivery';
import { describe, expect, it } from 'vitest';
import { GITHUB_OIDC_HOST, GitHubDeploy } from './github-deploy.ts';
import {
  ACCOUNT_ID,
  REGION,
  installMocks,
  one,
  ofType,
  settle,
  type MockedProgram,
} from './testing/mocks.ts';

const REPO = 'darkroom-photo/darkroom';
const PROVIDER = `arn:aws:iam::${ACCOUNT_ID}:oidc-provider/${GITHUB_OIDC_HOST}`;
const STATE_BUCKET = 'darkroom-pulumi-state-123456789012';

async function bootstrap(createOidcProvider: boolean): Promise<MockedProgram> {
  const program = await installMocks('bootstrap');
  new GitHubDeploy('github', {
    repository: REPO,
    project: 'darkroom',
    stateBucketName: STATE_BUCKET,
    createOidcProvider,
  });
  await settle(program);
  return program;
}

const json = <T>(value: unknown) => JSON.parse(String(value)) as T;
const roleName = (r: (typeof DELIVERY_ROLES)[number]) => `github-${r.mode}-${r.stack}`;
const keyArn = (stack: DeliveryStack) =>
  `arn:aws:kms:${REGION}:${ACCOUNT_ID}:key/github-secrets-${stack}`;

describe('GitHub deploy roles (infra/bootstrap)', () => {
  it.each(DELIVERY_ROLES)('the $mode-$stack role trusts only its one kind of job', async (r) => {
    const program = await bootstrap(true);
    const trust = json<TrustPolicyDocument>(
      one(program, 'aws:iam/role:Role', roleName(r)).inputs['assumeRolePolicy'],
    );
    const trusted = Object.entries(githubTokens(REPO)).filter(([, sub]) =>
      mayAssumeWithWebIdentity(trust, {
        providerArn: PROVIDER,
        host: GITHUB_OIDC_HOST,
        claims: { sub, aud: 'sts.amazonaws.com' },
      }),
    );
    expect(trusted.map(([job]) => job)).toEqual([TRUSTED_TOKEN[deliveryRoleName(r.mode, r.stack)]]);
  });

  it.each(DELIVERY_ROLES)('the $mode-$stack role may do its job and nothing else', async (r) => {
    const program = await bootstrap(true);
    const inline = json<PolicyDocument>(
      one(program, 'aws:iam/rolePolicy:RolePolicy', `${roleName(r)}-policy`).inputs['policy'],
    );
    const managed = ofType(
      program,
      'aws:iam/rolePolicyAttachment:RolePolicyAttachment',
      roleName(r),
    );
    // Previews get no managed policy at all (ReadOnlyAccess would read every bucket's photos).
    expect(managed.map((m) => m.inputs['policyArn'])).toEqual(
      r.mode === 'deploy' ? ['arn:aws:iam::aws:policy/AdministratorAccess'] : [],
    );
    const administrator: PolicyDocument = {
      Version: '2012-10-17',
      Statement: [{ Effect: 'Allow', Action: '*', Resource: '*' }],
    };
    const identity = r.mode === 'deploy' ? [administrator, inline] : [inline];
    const world = {
      accountId: ACCOUNT_ID,
      region: REGION,
      repository: REPO,
      project: 'darkroom',
      stateBucketArn: `arn:aws:s3:::${STATE_BUCKET}`,
      stateKeyArn: { dev: keyArn('dev'), prod: keyArn('prod') },
    };
    const cases = deliveryRequests(world, r.mode, r.stack);
    const { actual, expected } = await judged(cases, identity);
    expect(actual).toEqual(expected);
  });

  it("trusts the account's existing GitHub provider when the bootstrap must not create one", async () => {
    const program = await bootstrap(false);
    expect(ofType(program, 'aws:iam/openIdConnectProvider:OpenIdConnectProvider')).toEqual([]);
    const trust = json<TrustPolicyDocument>(
      one(program, 'aws:iam/role:Role', 'github-deploy-dev').inputs['assumeRolePolicy'],
    );
    const sub = `repo:${REPO}:environment:dev`;
    expect(
      mayAssumeWithWebIdentity(trust, {
        providerArn: PROVIDER,
        host: GITHUB_OIDC_HOST,
        claims: { sub, aud: 'sts.amazonaws.com' },
      }),
    ).toBe(true);
  });

  it('keeps the Pulumi state private, versioned and TLS-only, each stack’s secrets under its own rotating key', async () => {
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
    const policy = json<PolicyDocument>(
      one(program, 'aws:s3/bucketPolicy:BucketPolicy').inputs['policy'],
    );
    const overHttp = await decide(
      {
        principal: `arn:aws:iam::${ACCOUNT_ID}:role/darkroom-github-deploy-dev`,
        action: 's3:GetObject',
        resource: `arn:aws:s3:::${STATE_BUCKET}/.pulumi/stacks/darkroom/dev.json`,
        resourceAccount: ACCOUNT_ID,
        context: { 'aws:SecureTransport': 'false' },
      },
      {
        identity: [
          {
            Version: '2012-10-17',
            Statement: [{ Effect: 'Allow', Action: 's3:*', Resource: '*' }],
          },
        ],
        resource: policy,
      },
    );
    expect(overHttp).toBe('ExplicitlyDenied');
    const keys = ofType(program, 'aws:kms/key:Key');
    expect(keys.map((k) => [k.name, k.inputs['enableKeyRotation']])).toEqual([
      ['github-secrets-dev', true],
      ['github-secrets-prod', true],
    ]);
    expect(ofType(program, 'aws:kms/alias:Alias').map((a) => a.inputs['name'])).toEqual([
      'alias/darkroom-pulumi-dev',
      'alias/darkroom-pulumi-prod',
    ]);
  });
});

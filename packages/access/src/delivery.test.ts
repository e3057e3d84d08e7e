/**
 * The CI roles judged like the data-plane roles: the trust policies against the tokens GitHub
 * mints for each kind of job (one role per token, never two), the permission policies by IAM
 * simulation against the requests each job makes, each allowed request with a denied twin.
 */
import { describe, expect, it } from 'vitest';
import {
  ADMINISTRATOR_ACCESS,
  DELIVERY_ROLES,
  GITHUB_OIDC_HOST,
  deliveryRoleName,
  deployPolicy,
  githubSubject,
  githubTrustPolicy,
  previewPolicy,
  stateKeyAlias,
} from './delivery.ts';
import {
  TRUSTED_TOKEN,
  deliveryRequests,
  githubTokens,
  judged,
  otherStack,
} from './testing/delivery-requests.ts';
import { UnsupportedTrustPolicyError, mayAssumeWithWebIdentity } from './web-identity.ts';

const ACCOUNT = '123456789012';
const REPO = 'darkroom-photo/darkroom';
const PROVIDER = `arn:aws:iam::${ACCOUNT}:oidc-provider/${GITHUB_OIDC_HOST}`;
const world = {
  accountId: ACCOUNT,
  region: 'eu-west-1',
  repository: REPO,
  project: 'darkroom',
  stateBucketArn: 'arn:aws:s3:::darkroom-pulumi-state',
  stateKeyArn: {
    dev: `arn:aws:kms:eu-west-1:${ACCOUNT}:key/dev-key`,
    prod: `arn:aws:kms:eu-west-1:${ACCOUNT}:key/prod-key`,
  },
};
const token = (sub: string, aud = 'sts.amazonaws.com') => ({
  providerArn: PROVIDER,
  host: GITHUB_OIDC_HOST,
  claims: { sub, aud },
});

describe('who may assume each CI role', () => {
  it.each(DELIVERY_ROLES)('$mode-$stack trusts exactly one kind of job', ({ mode, stack }) => {
    const trust = githubTrustPolicy(PROVIDER, githubSubject(REPO, mode, stack));
    const trusted = Object.entries(githubTokens(REPO))
      .filter(([, sub]) => mayAssumeWithWebIdentity(trust, token(sub)))
      .map(([job]) => job);
    expect(trusted).toEqual([TRUSTED_TOKEN[deliveryRoleName(mode, stack)]]);
    // A token of the right job minted for another audience is refused too.
    const sub = githubSubject(REPO, mode, stack);
    expect(mayAssumeWithWebIdentity(trust, token(sub, 'https://github.com/someone'))).toBe(false);
  });

  it('a push to main without the prod environment’s approval assumes no deploy role', () => {
    const main = token(githubTokens(REPO)['a push to main without an environment']);
    for (const stack of ['dev', 'prod'] as const)
      expect(
        mayAssumeWithWebIdentity(
          githubTrustPolicy(PROVIDER, githubSubject(REPO, 'deploy', stack)),
          main,
        ),
      ).toBe(false);
  });

  it('refuses to judge a trust policy it cannot read, instead of guessing', () => {
    const trust = githubTrustPolicy(PROVIDER, 'x');
    const loose = {
      ...trust,
      Statement: trust.Statement.map((s) => ({ ...s, Condition: { ForAnyValue: { a: 'b' } } })),
    };
    expect(() => mayAssumeWithWebIdentity(loose, token('x'))).toThrow(UnsupportedTrustPolicyError);
  });

  it('reads StringLike as IAM does: a wildcard subject would trust every branch', () => {
    const trust = githubTrustPolicy(PROVIDER, 'x');
    const wildcard = {
      ...trust,
      Statement: trust.Statement.map((s) => ({
        ...s,
        Condition: { StringLike: { [`${GITHUB_OIDC_HOST}:sub`]: `repo:${REPO}:*` } },
      })),
    };
    expect(mayAssumeWithWebIdentity(wildcard, token(`repo:${REPO}:ref:refs/heads/x`))).toBe(true);
    expect(mayAssumeWithWebIdentity(wildcard, token('repo:other/x:ref:refs/heads/x'))).toBe(false);
  });
});

describe('what each CI role may do (IAM simulation)', () => {
  it.each(DELIVERY_ROLES)('$mode-$stack', async ({ mode, stack }) => {
    const args = {
      stateBucketArn: world.stateBucketArn,
      project: world.project,
      stack,
      stateKeyArn: world.stateKeyArn[stack],
      otherStateKeyArn: world.stateKeyArn[otherStack(stack)],
      deliveryIdentityArns: DELIVERY_ROLES.map(
        (r) => `arn:aws:iam::${ACCOUNT}:role/${deliveryRoleName(r.mode, r.stack)}`,
      ),
    };
    const identity =
      mode === 'preview' ? [previewPolicy(args)] : [ADMINISTRATOR_ACCESS, deployPolicy(args)];
    const cases = deliveryRequests(world, mode, stack);
    const { actual, expected } = await judged(cases, identity);
    expect(actual).toEqual(expected);
  });

  it('gives each stack its own secrets key', () => {
    expect(stateKeyAlias('dev')).not.toBe(stateKeyAlias('prod'));
  });
});

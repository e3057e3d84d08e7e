/**
 * What GitHub Actions needs to run `.github/workflows/infra.yml` with no stored AWS keys: GitHub's
 * OIDC identity provider, a preview role for pull requests (read-only, plus the Pulumi state) and a
 * deploy role for main and the `prod` environment, each trusting only this repository's tokens for
 * those subjects; the S3 state backend and the KMS key for stack secrets. Deployed once per account
 * by the separate program in infra/bootstrap/ (not by the Darkroom stacks it enables).
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

export const GITHUB_OIDC_HOST = 'token.actions.githubusercontent.com';
export const STATE_KEY_ALIAS = 'alias/darkroom-pulumi';

export interface GitHubDeployArgs {
  /** `owner/name` of the repository whose workflows may assume the roles. */
  readonly repository: string;
  /** The branch `pulumi up` of dev runs from. */
  readonly branch: string;
  /** The GitHub environment (with required reviewers) prod deploys run in. */
  readonly prodEnvironment: string;
  readonly stateBucketName: string;
  /** False when the account already has GitHub's OIDC provider (there can be only one). */
  readonly createOidcProvider: boolean;
}

/** OIDC `sub` claims GitHub issues for a pull request, a branch push and an environment job. */
export function githubSubjects(
  args: Pick<GitHubDeployArgs, 'repository' | 'branch' | 'prodEnvironment'>,
) {
  const repo = `repo:${args.repository}`;
  return {
    pullRequest: `${repo}:pull_request`,
    branch: `${repo}:ref:refs/heads/${args.branch}`,
    prodEnvironment: `${repo}:environment:${args.prodEnvironment}`,
  };
}

/** Trust policy: only tokens for sts.amazonaws.com whose subject is exactly one of `subjects`. */
export function githubTrustPolicy(providerArn: string, subjects: readonly string[]): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: providerArn },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: {
            [`${GITHUB_OIDC_HOST}:aud`]: 'sts.amazonaws.com',
            [`${GITHUB_OIDC_HOST}:sub`]: [...subjects],
          },
        },
      },
    ],
  });
}

function statePolicy(bucketArn: string, keyArn: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: 's3:ListBucket', Resource: bucketArn },
      {
        Effect: 'Allow',
        Action: ['s3:GetObject', 's3:PutObject', 's3:DeleteObject'],
        Resource: `${bucketArn}/*`,
      },
      {
        Effect: 'Allow',
        Action: ['kms:Encrypt', 'kms:Decrypt', 'kms:GenerateDataKey'],
        Resource: keyArn,
      },
    ],
  });
}

export class GitHubDeploy extends pulumi.ComponentResource {
  readonly previewRoleArn: pulumi.Output<string>;
  readonly deployRoleArn: pulumi.Output<string>;
  readonly stateBucket: pulumi.Output<string>;

  constructor(name: string, args: GitHubDeployArgs, opts?: pulumi.ComponentResourceOptions) {
    super('darkroom:bootstrap:GitHubDeploy', name, {}, opts);
    const parent = { parent: this };
    const providerArn = args.createOidcProvider
      ? new aws.iam.OpenIdConnectProvider(
          `${name}-oidc`,
          { url: `https://${GITHUB_OIDC_HOST}`, clientIdLists: ['sts.amazonaws.com'] },
          parent,
        ).arn
      : aws
          .getCallerIdentityOutput({}, parent)
          .accountId.apply((id) => `arn:aws:iam::${id}:oidc-provider/${GITHUB_OIDC_HOST}`);
    const bucket = new aws.s3.Bucket(`${name}-state`, { bucket: args.stateBucketName }, parent);
    new aws.s3.BucketVersioning(
      `${name}-state-versioning`,
      { bucket: bucket.id, versioningConfiguration: { status: 'Enabled' } },
      parent,
    );
    new aws.s3.BucketPublicAccessBlock(
      `${name}-state-private`,
      {
        bucket: bucket.id,
        blockPublicAcls: true,
        blockPublicPolicy: true,
        ignorePublicAcls: true,
        restrictPublicBuckets: true,
      },
      parent,
    );
    const key = new aws.kms.Key(
      `${name}-secrets`,
      { description: 'Pulumi stack secrets (darkroom)', enableKeyRotation: true },
      parent,
    );
    new aws.kms.Alias(
      `${name}-secrets-alias`,
      { name: STATE_KEY_ALIAS, targetKeyId: key.keyId },
      parent,
    );
    const subjects = githubSubjects(args);
    const role = (suffix: string, allowed: string[], managedPolicy: string) => {
      const created = new aws.iam.Role(
        `${name}-${suffix}`,
        {
          name: `darkroom-github-${suffix}`,
          assumeRolePolicy: providerArn.apply((arn) => githubTrustPolicy(arn, allowed)),
          maxSessionDuration: 2 * 60 * 60,
        },
        parent,
      );
      new aws.iam.RolePolicyAttachment(
        `${name}-${suffix}-managed`,
        { role: created.name, policyArn: managedPolicy },
        parent,
      );
      new aws.iam.RolePolicy(
        `${name}-${suffix}-state`,
        {
          role: created.name,
          policy: pulumi.all([bucket.arn, key.arn]).apply(([b, k]) => statePolicy(b, k)),
        },
        parent,
      );
      return created;
    };
    // Previews read everything and write only the state lock; deploys create VPCs, EKS, IAM roles
    // and ECR images, which in practice is administrator (narrow it with a permissions boundary).
    const preview = role(
      'preview',
      [subjects.pullRequest],
      'arn:aws:iam::aws:policy/ReadOnlyAccess',
    );
    const deploy = role(
      'deploy',
      [subjects.branch, subjects.prodEnvironment],
      'arn:aws:iam::aws:policy/AdministratorAccess',
    );
    this.previewRoleArn = preview.arn;
    this.deployRoleArn = deploy.arn;
    this.stateBucket = bucket.bucket;
    this.registerOutputs({
      previewRoleArn: this.previewRoleArn,
      deployRoleArn: this.deployRoleArn,
      stateBucket: this.stateBucket,
    });
  }
}

/**
 * What GitHub Actions needs to preview and deploy with no stored AWS keys: GitHub's OIDC provider,
 * the S3 state backend (private, versioned, TLS only), one KMS key per stack for its secrets, and
 * four roles, one per (stack, mode), each trusting one kind of job (`@darkroom/access` delivery:
 * the one definition of who may do what, simulated in its tests and in this one's). Deployed once
 * per account by the separate program in infra/bootstrap/, never by the stacks it enables.
 */
import {
  DELIVERY_ROLES,
  DELIVERY_STACKS,
  type DeliveryMode,
  type DeliveryStack,
  GITHUB_OIDC_HOST,
  deliveryRoleName,
  deployPolicy,
  githubSubject,
  githubTrustPolicy,
  previewPolicy,
  stateBucketPolicy,
  stateKeyAlias,
} from '@darkroom/access';
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

export { GITHUB_OIDC_HOST };

export interface GitHubDeployArgs {
  /** `owner/name` of the repository whose workflows may assume the roles. */
  readonly repository: string;
  /** The Pulumi project whose stacks the roles deploy (`Pulumi.yaml` `name`). */
  readonly project: string;
  readonly stateBucketName: string;
  /** False when the account already has GitHub's OIDC provider (there can be only one). */
  readonly createOidcProvider: boolean;
}

type RoleArns = Record<`${DeliveryMode}-${DeliveryStack}`, pulumi.Output<string>>;

export class GitHubDeploy extends pulumi.ComponentResource {
  readonly roleArns: RoleArns;
  readonly stateBucket: pulumi.Output<string>;

  constructor(name: string, args: GitHubDeployArgs, opts?: pulumi.ComponentResourceOptions) {
    super('darkroom:bootstrap:GitHubDeploy', name, {}, opts);
    const parent = { parent: this };
    const providerArn = createOidcProvider(name, args.createOidcProvider, parent);
    const bucket = createStateBucket(name, args.stateBucketName, parent);
    const keys = Object.fromEntries(
      DELIVERY_STACKS.map((stack) => [stack, createStackKey(name, stack, parent).arn]),
    ) as Record<DeliveryStack, pulumi.Output<string>>;
    const account = aws.getCallerIdentityOutput({}, parent).accountId;
    const identities = pulumi
      .all([account, providerArn])
      .apply(([id, provider]) => [
        provider,
        ...DELIVERY_ROLES.map(
          (r) => `arn:aws:iam::${id}:role/${deliveryRoleName(r.mode, r.stack)}`,
        ),
      ]);
    const roles = DELIVERY_ROLES.map(({ mode, stack }) => {
      const other = DELIVERY_STACKS.find((s) => s !== stack) ?? stack;
      const policy = pulumi
        .all([bucket.arn, keys[stack], keys[other], identities])
        .apply(([stateBucketArn, stateKeyArn, otherStateKeyArn, deliveryIdentityArns]) => {
          const access = { stateBucketArn, project: args.project, stack, stateKeyArn };
          const full = { ...access, otherStateKeyArn, deliveryIdentityArns };
          return JSON.stringify(mode === 'preview' ? previewPolicy(full) : deployPolicy(full));
        });
      const role = createDeliveryRole(
        name,
        { mode, stack, providerArn, policy, repository: args.repository },
        parent,
      );
      return [`${mode}-${stack}`, role.arn] as const;
    });
    this.roleArns = Object.fromEntries(roles) as RoleArns;
    this.stateBucket = bucket.bucket;
    this.registerOutputs({ roleArns: this.roleArns, stateBucket: this.stateBucket });
  }
}

function createOidcProvider(name: string, create: boolean, opts: pulumi.CustomResourceOptions) {
  if (create)
    return new aws.iam.OpenIdConnectProvider(
      `${name}-oidc`,
      { url: `https://${GITHUB_OIDC_HOST}`, clientIdLists: ['sts.amazonaws.com'] },
      opts,
    ).arn;
  return aws
    .getCallerIdentityOutput({}, opts)
    .accountId.apply((id) => `arn:aws:iam::${id}:oidc-provider/${GITHUB_OIDC_HOST}`);
}

/** The state backend: private, versioned (a bad `up` can be rolled back), TLS only. */
function createStateBucket(name: string, bucketName: string, opts: pulumi.CustomResourceOptions) {
  const bucket = new aws.s3.Bucket(`${name}-state`, { bucket: bucketName }, opts);
  new aws.s3.BucketVersioning(
    `${name}-state-versioning`,
    { bucket: bucket.id, versioningConfiguration: { status: 'Enabled' } },
    opts,
  );
  const block = new aws.s3.BucketPublicAccessBlock(
    `${name}-state-private`,
    {
      bucket: bucket.id,
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    },
    opts,
  );
  new aws.s3.BucketPolicy(
    `${name}-state-tls-only`,
    {
      bucket: bucket.id,
      policy: bucket.arn.apply((arn) => JSON.stringify(stateBucketPolicy(arn))),
    },
    { ...opts, dependsOn: [block] },
  );
  return bucket;
}

/** One key per stack: a role that may decrypt dev's secrets can never decrypt prod's. */
function createStackKey(name: string, stack: DeliveryStack, opts: pulumi.CustomResourceOptions) {
  const key = new aws.kms.Key(
    `${name}-secrets-${stack}`,
    { description: `Pulumi stack secrets (darkroom ${stack})`, enableKeyRotation: true },
    opts,
  );
  new aws.kms.Alias(
    `${name}-secrets-${stack}-alias`,
    { name: stateKeyAlias(stack), targetKeyId: key.keyId },
    opts,
  );
  return key;
}

interface DeliveryRoleArgs {
  readonly mode: DeliveryMode;
  readonly stack: DeliveryStack;
  readonly repository: string;
  readonly providerArn: pulumi.Output<string>;
  readonly policy: pulumi.Output<string>;
}

/**
 * One CI role. Deploy roles also get AdministratorAccess (the program creates VPCs, EKS, IAM
 * roles and images), fenced to their stack by the explicit denies of `deployPolicy`.
 */
function createDeliveryRole(
  name: string,
  args: DeliveryRoleArgs,
  opts: pulumi.CustomResourceOptions,
) {
  const suffix = `${args.mode}-${args.stack}`;
  const role = new aws.iam.Role(
    `${name}-${suffix}`,
    {
      name: deliveryRoleName(args.mode, args.stack),
      assumeRolePolicy: args.providerArn.apply((arn) =>
        JSON.stringify(
          githubTrustPolicy(arn, githubSubject(args.repository, args.mode, args.stack)),
        ),
      ),
      maxSessionDuration: 2 * 60 * 60, // the workflows ask for 90 min against 60-min job limits
    },
    opts,
  );
  new aws.iam.RolePolicy(
    `${name}-${suffix}-policy`,
    { role: role.name, policy: args.policy },
    opts,
  );
  if (args.mode === 'deploy')
    new aws.iam.RolePolicyAttachment(
      `${name}-${suffix}-admin`,
      { role: role.name, policyArn: 'arn:aws:iam::aws:policy/AdministratorAccess' },
      opts,
    );
  return role;
}

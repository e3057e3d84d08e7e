/** IAM helpers shared by the components: policy documents as typed data, IRSA trust. */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';

/**
 * Trust policy letting exactly one Kubernetes service account assume a role through the
 * cluster's OIDC provider (IRSA).
 */
export function irsaTrustPolicy(
  oidcProviderArn: pulumi.Input<string>,
  oidcProviderUrl: pulumi.Input<string>,
  namespace: string,
  serviceAccount: string,
): pulumi.Output<string> {
  const issuer = pulumi.output(oidcProviderUrl).apply((url) => url.replace(/^https:\/\//, ''));
  return pulumi.jsonStringify({
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Principal: { Federated: oidcProviderArn },
        Action: 'sts:AssumeRoleWithWebIdentity',
        Condition: {
          StringEquals: pulumi.all([issuer]).apply(([host]) => ({
            [`${host}:sub`]: `system:serviceaccount:${namespace}:${serviceAccount}`,
            [`${host}:aud`]: 'sts.amazonaws.com',
          })),
        },
      },
    ],
  });
}

/** Trust policy for an AWS service principal, e.g. `ec2.amazonaws.com`. */
export function serviceTrustPolicy(service: string): string {
  return JSON.stringify({
    Version: '2012-10-17',
    Statement: [{ Effect: 'Allow', Principal: { Service: service }, Action: 'sts:AssumeRole' }],
  });
}

/** Annotation that binds a service account to an IRSA role. */
export const IRSA_ANNOTATION = 'eks.amazonaws.com/role-arn';

/** AWS-managed policies every EKS node needs: kubelet, VPC CNI, image pulls, SSM access. */
export const NODE_POLICIES = [
  'AmazonEKSWorkerNodePolicy',
  'AmazonEKS_CNI_Policy',
  'AmazonEC2ContainerRegistryReadOnly',
  'AmazonSSMManagedInstanceCore',
] as const;

/**
 * An EC2 node role with the managed node policies attached, as children of `parent`, named
 * `${name}` and `${name}-<policy>`.
 * @example const { role, attachments } = createNodeRole('system-nodes-role', 'System nodes of darkroom-dev', this);
 */
export function createNodeRole(
  name: string,
  description: string,
  parent: pulumi.Resource,
): { role: aws.iam.Role; attachments: aws.iam.RolePolicyAttachment[] } {
  const role = new aws.iam.Role(
    name,
    { assumeRolePolicy: serviceTrustPolicy('ec2.amazonaws.com'), description },
    { parent },
  );
  const partition = aws.getPartitionOutput({}, { parent }).partition;
  const attachments = NODE_POLICIES.map(
    (policy) =>
      new aws.iam.RolePolicyAttachment(
        `${name}-${policy}`,
        {
          role: role.name,
          policyArn: pulumi.interpolate`arn:${partition}:iam::aws:policy/${policy}`,
        },
        { parent },
      ),
  );
  return { role, attachments };
}

/** The cluster's OIDC provider, which an IRSA role trusts. */
export interface IrsaProviderArgs {
  readonly oidcProviderArn: pulumi.Input<string>;
  readonly oidcProviderUrl: pulumi.Input<string>;
}

/** The photo bucket as a workload's environment and policy name it. */
export interface PhotoBucketArgs {
  readonly region: string;
  readonly bucketName: pulumi.Input<string>;
  readonly bucketArn: pulumi.Input<string>;
  readonly bucketKmsKeyArn?: pulumi.Input<string>;
}

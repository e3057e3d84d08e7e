/** IAM helpers shared by the components: policy documents as typed data, IRSA trust. */
import * as pulumi from '@pulumi/pulumi';

export interface PolicyStatement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Action: string | readonly string[];
  readonly Resource: pulumi.Input<string> | readonly pulumi.Input<string>[];
  readonly Principal?: Record<string, pulumi.Input<string> | pulumi.Input<string>[]> | '*';
  readonly Condition?: Record<
    string,
    Record<string, pulumi.Input<string> | pulumi.Input<string>[] | boolean>
  >;
}

/** A policy document as a JSON Output (inputs resolved). */
export function policyDocument(statements: readonly PolicyStatement[]): pulumi.Output<string> {
  return pulumi.jsonStringify({ Version: '2012-10-17', Statement: statements });
}

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

/**
 * Deny every request to `resources` that does not arrive over TLS.
 * @example denyInsecureTransport('s3', [bucket.arn, pulumi.interpolate`${bucket.arn}/*`])
 */
export function denyInsecureTransport(
  service: 's3' | 'sqs',
  resources: pulumi.Input<string> | pulumi.Input<string>[],
): PolicyStatement {
  return {
    Sid: 'DenyInsecureTransport',
    Effect: 'Deny',
    Principal: '*',
    Action: `${service}:*`,
    Resource: resources,
    Condition: { Bool: { 'aws:SecureTransport': false } },
  };
}

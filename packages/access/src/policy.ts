/** IAM policy documents as typed data: what infra renders to JSON and the simulator evaluates. */

export type OneOrMany<T> = T | readonly T[];

export type ConditionBlock = Record<string, Record<string, OneOrMany<string> | boolean>>;

export type Principal = '*' | Record<string, OneOrMany<string>>;

interface StatementBase {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Resource: OneOrMany<string>;
  readonly Principal?: Principal;
  readonly Condition?: ConditionBlock;
}

/** A statement names its actions, or (`NotAction`, for a Deny with exceptions) every other one. */
export type PolicyStatement = StatementBase &
  (
    | { readonly Action: OneOrMany<string>; readonly NotAction?: never }
    | { readonly NotAction: OneOrMany<string>; readonly Action?: never }
  );

export interface PolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly PolicyStatement[];
}

export function policyDocument(statements: readonly PolicyStatement[]): PolicyDocument {
  return { Version: '2012-10-17', Statement: statements };
}

/**
 * Deny every request to `resources` that does not arrive over TLS.
 * @example denyInsecureTransport('s3', [bucketArn, `${bucketArn}/*`])
 */
export function denyInsecureTransport(
  service: 's3' | 'sqs',
  resources: OneOrMany<string>,
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

/** Use of a bucket's customer-managed key, only through S3 in its region (SSE-KMS buckets). */
export function bucketKeyThroughS3(keyArn: string, region: string): PolicyStatement {
  return {
    Sid: 'UseBucketKeyThroughS3',
    Effect: 'Allow',
    Action: ['kms:Decrypt', 'kms:GenerateDataKey'],
    Resource: keyArn,
    Condition: { StringEquals: { 'kms:ViaService': `s3.${region}.amazonaws.com` } },
  };
}

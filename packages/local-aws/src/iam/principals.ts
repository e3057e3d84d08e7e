/**
 * The local principals: the runner's own credentials (an administrator, like a developer with
 * their own user) and one role per worker operation whose only policy is the one infra attaches
 * to that worker's role in AWS, built by `workerPolicy()` over the emulator's own ARNs.
 */
import {
  type PolicyDocument,
  type WorkerAccessArgs,
  policyDocument,
  workerPolicy,
} from '@darkroom/access';
import type { Operation } from '@darkroom/pipeline-spec';

/** The emulator's account: the one fauxqs writes into every queue ARN and URL. */
export const LOCAL_ACCOUNT_ID = '000000000000';

export interface LocalPrincipal {
  readonly accessKeyId: string;
  /** The ARN policies see as `aws:PrincipalArn` and denial messages name. */
  readonly arn: string;
  readonly policies: readonly PolicyDocument[];
  /**
   * Its secret, for the requests whose signature is their only credential (browser POST
   * uploads). Header-signed requests are judged by key id alone (see credentials.ts).
   */
  readonly secretAccessKey?: string;
}

export interface LocalCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
}

/** Everything, everywhere — a developer's own administrator credentials. */
export const ADMIN_POLICY: PolicyDocument = policyDocument([
  { Sid: 'Administrator', Effect: 'Allow', Action: '*', Resource: '*' },
]);

export function adminPrincipal(credentials: LocalCredentials): LocalPrincipal {
  return {
    accessKeyId: credentials.accessKeyId,
    arn: `arn:aws:iam::${LOCAL_ACCOUNT_ID}:user/darkroom-local-admin`,
    policies: [ADMIN_POLICY],
    secretAccessKey: credentials.secretAccessKey,
  };
}

/** The access key a local `op` worker process uses (secret: anything; signatures are not checked). */
export function workerCredentials(operation: Operation): LocalCredentials {
  return {
    accessKeyId: `darkroom-local-${operation}-worker`,
    secretAccessKey: `darkroom-local-${operation}-worker`,
  };
}

/** A worker role as IAM sees it, with the caller's policy edits (tests remove statements). */
export function workerPrincipal(
  args: WorkerAccessArgs,
  adjust: (policy: PolicyDocument) => PolicyDocument = (p) => p,
): LocalPrincipal {
  return {
    accessKeyId: workerCredentials(args.operation).accessKeyId,
    // In AWS the caller is the assumed-role session; policies match the role either way.
    arn: `arn:aws:iam::${LOCAL_ACCOUNT_ID}:role/darkroom-${args.operation}-worker`,
    policies: [adjust(workerPolicy(args))],
    secretAccessKey: workerCredentials(args.operation).secretAccessKey,
  };
}

/** A policy without the statement `sid`, to see what a missing grant does. */
export function withoutStatement(policy: PolicyDocument, sid: string): PolicyDocument {
  if (!policy.Statement.some((s) => s.Sid === sid))
    throw new Error(
      `policy has no statement ${sid}: ${policy.Statement.map((s) => s.Sid).join(', ')}`,
    );
  return policyDocument(policy.Statement.filter((s) => s.Sid !== sid));
}

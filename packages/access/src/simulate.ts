/**
 * Judge one AWS request against policy documents with an IAM policy simulator
 * (`@cloud-copilot/iam-simulate`, which follows AWS's published evaluation logic: explicit deny,
 * identity and resource policies, condition operators, ARN matching per resource type). The infra
 * tests and the local emulator both decide through this one function.
 */
import { runSimulation } from '@cloud-copilot/iam-simulate';
import type { PolicyDocument } from './policy.ts';

export type Decision = 'Allowed' | 'ImplicitlyDenied' | 'ExplicitlyDenied';

export interface AccessRequest {
  /** An IAM principal ARN, or a service principal such as `s3.amazonaws.com`. */
  readonly principal: string;
  /** `service:Action`, e.g. `s3:GetObject`. */
  readonly action: string;
  /** The resource ARN the action addresses. */
  readonly resource: string;
  /** Account that owns the resource (S3 ARNs carry none). */
  readonly resourceAccount: string;
  /** Request context keys AWS would set, e.g. `s3:prefix`, `aws:SourceArn`, `aws:RequestTag/k`. */
  readonly context?: Readonly<Record<string, string | readonly string[]>>;
}

export interface PolicySet {
  /** Policies attached to the principal (role inline and managed policies). */
  readonly identity?: readonly PolicyDocument[];
  /** The resource's own policy (bucket policy, queue policy, key policy). */
  readonly resource?: PolicyDocument;
}

/** The simulator refused the input (a malformed policy or an unknown action): a bug, not a denial. */
export class SimulationError extends Error {
  readonly request: AccessRequest;
  constructor(request: AccessRequest, detail: string) {
    super(`Cannot simulate ${request.action} on ${request.resource}: ${detail}`);
    this.name = 'SimulationError';
    this.request = request;
  }
}

/**
 * The simulator reads `*` in a request's resource as a wildcard ("could any matching resource be
 * allowed?"), but in S3 `*` and `?` are ordinary key characters. Policy patterns match them only
 * with their own wildcards, never literally, so replacing them with private-use characters no
 * policy names keeps every match as IAM computes it for the literal key.
 */
export function literalResource(resource: string): string {
  if (!resource.startsWith('arn:aws:s3:::')) return resource;
  return resource.replace(/\*/g, '\uE000').replace(/\?/g, '\uE001');
}

/**
 * Decide one request as AWS would.
 * @throws {SimulationError} when a policy or the request does not validate.
 * @example await decide({ principal: roleArn, action: 's3:GetObject', resource: `${bucketArn}/input/thumbnail/a.jpg`, resourceAccount }, { identity: [policy] }) // 'Allowed'
 */
export async function decide(request: AccessRequest, policies: PolicySet): Promise<Decision> {
  const context: Record<string, string | string[]> = {};
  for (const [key, value] of Object.entries(request.context ?? {}))
    context[key] = typeof value === 'string' ? value : [...value];
  const result = await runSimulation(
    {
      request: {
        principal: request.principal,
        action: request.action,
        resource: {
          resource: literalResource(request.resource),
          accountId: request.resourceAccount,
        },
        contextVariables: context,
      },
      identityPolicies: (policies.identity ?? []).map((policy, i) => ({
        name: `identity-${i}`,
        policy,
      })),
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      ...(policies.resource ? { resourcePolicy: policies.resource } : {}),
    },
    {},
  );
  if (result.resultType === 'error') throw new SimulationError(request, result.errors.message);
  return result.overallResult;
}

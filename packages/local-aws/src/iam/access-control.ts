/**
 * The emulator's IAM: principals by access key, resource policies by ARN, and one decision per
 * (principal, action, resource, context) through `decide()` from `@darkroom/access` — the same
 * simulator the infra tests use — cached, because the simulator costs about a millisecond of CPU.
 * The cache is keyed by what the policies can see of the request (`equivalence.ts`), so every
 * photo under one prefix shares one decision.
 */
import { type Decision, type PolicyDocument, decide } from '@darkroom/access';
import { comparandsOf, equivalenceKey } from './equivalence.ts';
import { type LocalCredentials, type LocalPrincipal, LOCAL_ACCOUNT_ID } from './principals.ts';
import type { AccessCheck, MappedRequest } from './request-map.ts';

export interface AccessControlOptions {
  /** `false`: every request is allowed (`--no-iam`); principals and policies are still kept. */
  readonly enforce: boolean;
  /**
   * The value of `aws:SecureTransport`. The emulator speaks plain HTTP on loopback, but in AWS the
   * SDK always uses TLS, so the emulator judges requests as if they had arrived over TLS; otherwise
   * the bucket and queue policies' deny-non-TLS statements would refuse every local request.
   */
  readonly secureTransport?: boolean;
}

export type DenialCode = 'AccessDenied' | 'InvalidAccessKeyId' | 'MissingAuthenticationToken';

/** One refused request, as the emulator answered it. */
export interface Denial {
  readonly code: DenialCode;
  readonly operation: string;
  readonly principal?: string;
  readonly check?: AccessCheck;
  readonly decision?: Decision;
  /** Where the deciding policy sits, for AWS's message ("identity-based", "resource-based"). */
  readonly message: string;
}

export type Verdict =
  { readonly allowed: true } | { readonly allowed: false; readonly denial: Denial };

const ALLOWED: Verdict = { allowed: true };
const MAX_DENIALS_KEPT = 1000;

/** The resource policy that governs `arn`: the bucket's for its objects, the queue's for a queue. */
function policyOwner(arn: string): string {
  if (arn.startsWith('arn:aws:s3:::')) return arn.split('/')[0] ?? arn;
  return arn;
}

export class AccessControl {
  readonly enforced: boolean;
  readonly secureTransport: boolean;
  /** The most recent denials (up to 1000), oldest first. */
  readonly denials: Denial[] = [];
  private readonly principals = new Map<string, LocalPrincipal>();
  private readonly resourcePolicies = new Map<string, PolicyDocument>();
  private readonly cache = new Map<string, Promise<Decision>>();
  private readonly comparands = new Map<string, ReturnType<typeof comparandsOf>>();
  /** Simulations run (cache misses), for the bench and tests. */
  evaluations = 0;
  /** Requests judged since `startRecording()`, for the bench to replay and time. */
  recorded:
    { readonly accessKeyId: string | undefined; readonly request: MappedRequest }[] | undefined;

  constructor(options: AccessControlOptions) {
    this.enforced = options.enforce;
    this.secureTransport = options.secureTransport ?? true;
  }

  startRecording(): void {
    this.recorded = [];
  }

  /** The same principals and resource policies with an empty cache. */
  fresh(): AccessControl {
    const copy = new AccessControl({
      enforce: this.enforced,
      secureTransport: this.secureTransport,
    });
    for (const principal of this.principals.values()) copy.addPrincipal(principal);
    for (const [arn, policy] of this.resourcePolicies) copy.setResourcePolicy(arn, policy);
    return copy;
  }

  addPrincipal(principal: LocalPrincipal): void {
    this.principals.set(principal.accessKeyId, principal);
    this.cache.clear();
    this.comparands.clear();
  }

  /**
   * Credentials of one session of a role, as each pod gets its own from IRSA: the same policies,
   * its own key, and the assumed-role ARN AWS names in denials.
   * @throws {Error} when `roleAccessKeyId` is not a registered role key.
   */
  session(roleAccessKeyId: string, sessionName: string): LocalCredentials {
    const role = this.principals.get(roleAccessKeyId);
    const match = role && /^arn:aws:iam::(\d{12}):role\/(.+)$/.exec(role.arn);
    if (!role || !match) throw new Error(`${roleAccessKeyId} is not the key of a local role`);
    const accessKeyId = `${roleAccessKeyId}.${sessionName}`;
    this.addPrincipal({
      accessKeyId,
      arn: `arn:aws:sts::${match[1]}:assumed-role/${match[2]}/${sessionName}`,
      policies: role.policies,
      secretAccessKey: accessKeyId,
    });
    return { accessKeyId, secretAccessKey: accessKeyId };
  }

  principalOf(accessKeyId: string): LocalPrincipal | undefined {
    return this.principals.get(accessKeyId);
  }

  /** Attach (or with `undefined`, remove) the resource policy of a bucket or queue ARN. */
  setResourcePolicy(arn: string, policy: PolicyDocument | undefined): void {
    if (policy) this.resourcePolicies.set(arn, policy);
    else this.resourcePolicies.delete(arn);
    this.cache.clear();
    this.comparands.clear();
  }

  resourcePolicy(arn: string): PolicyDocument | undefined {
    return this.resourcePolicies.get(policyOwner(arn));
  }

  /** Judge a mapped request made with `accessKeyId`. */
  async authorize(accessKeyId: string | undefined, request: MappedRequest): Promise<Verdict> {
    this.recorded?.push({ accessKeyId, request });
    if (!this.enforced || request.anonymousOk) return ALLOWED;
    if (!accessKeyId)
      return this.deny({
        code: 'MissingAuthenticationToken',
        operation: request.operation,
        message: 'Request is missing Authentication Token',
      });
    const principal = this.principals.get(accessKeyId);
    if (!principal)
      return this.deny({
        code: 'InvalidAccessKeyId',
        operation: request.operation,
        message: `The AWS Access Key Id you provided does not exist in our records: ${accessKeyId}`,
      });
    if (request.unauthenticatedOk) return ALLOWED;
    for (const check of request.checks) {
      const verdict = await this.check(principal, request.operation, check);
      if (!verdict.allowed) return verdict;
    }
    return ALLOWED;
  }

  /** Judge one check for a principal. */
  async check(principal: LocalPrincipal, operation: string, check: AccessCheck): Promise<Verdict> {
    const decision = await this.decision(principal.arn, check, principal.policies);
    if (decision === 'Allowed') return ALLOWED;
    return this.deny({
      code: 'AccessDenied',
      operation,
      principal: principal.arn,
      check,
      decision,
      message: denialMessage(principal.arn, check, decision),
    });
  }

  /**
   * S3 delivering an event notification to a queue: the service principal `s3.amazonaws.com`,
   * judged by the queue's resource policy only, with the bucket as `aws:SourceArn`.
   */
  async authorizeNotification(bucket: string, queueArn: string): Promise<Verdict> {
    if (!this.enforced) return ALLOWED;
    const check: AccessCheck = {
      action: 'sqs:SendMessage',
      resource: queueArn,
      context: {
        'aws:SourceArn': `arn:aws:s3:::${bucket}`,
        'aws:SourceAccount': LOCAL_ACCOUNT_ID,
      },
    };
    const decision = await this.decision('s3.amazonaws.com', check, []);
    if (decision === 'Allowed') return ALLOWED;
    return this.deny({
      code: 'AccessDenied',
      operation: 'S3EventNotification',
      principal: 's3.amazonaws.com',
      check,
      decision,
      message: `S3 may not send bucket ${bucket}'s events to ${queueArn}: ${denialMessage('s3.amazonaws.com', check, decision)}`,
    });
  }

  private decision(
    principal: string,
    check: AccessCheck,
    identity: readonly PolicyDocument[],
  ): Promise<Decision> {
    const context = { ...check.context, 'aws:SecureTransport': String(this.secureTransport) };
    const resource = this.resourcePolicy(check.resource);
    const comparandsKey = `${principal} ${policyOwner(check.resource)}`;
    let comparands = this.comparands.get(comparandsKey);
    if (!comparands) {
      comparands = comparandsOf([...identity, ...(resource ? [resource] : [])]);
      this.comparands.set(comparandsKey, comparands);
    }
    const key = equivalenceKey(principal, { ...check, context }, comparands);
    const cached = this.cache.get(key);
    if (cached) return cached;
    this.evaluations++;
    const decision = decide(
      {
        principal,
        action: check.action,
        resource: check.resource,
        resourceAccount: LOCAL_ACCOUNT_ID,
        context,
      },
      { identity, ...(resource ? { resource } : {}) },
    );
    this.cache.set(key, decision);
    decision.catch(() => this.cache.delete(key));
    return decision;
  }

  private deny(denial: Denial): Verdict {
    this.denials.push(denial);
    if (this.denials.length > MAX_DENIALS_KEPT) this.denials.shift();
    return { allowed: false, denial };
  }
}

/** AWS's wording, so a log line reads like the one the same mistake produces in AWS. */
function denialMessage(principal: string, check: AccessCheck, decision: Decision): string {
  const why =
    decision === 'ExplicitlyDenied'
      ? 'with an explicit deny in a resource-based policy'
      : `because no identity-based policy allows the ${check.action} action`;
  return `User: ${principal} is not authorized to perform: ${check.action} on resource: "${check.resource}" ${why}`;
}

/** Raised when S3 may not deliver a bucket's events to a queue (its policy does not allow it). */
export class NotificationDeniedError extends Error {
  readonly code = 'InvalidArgument';
  readonly queueArn: string;
  readonly denial: Denial;
  constructor(queueArn: string, denial: Denial) {
    super(
      `Unable to validate the following destination configurations: ${queueArn} (${denial.message})`,
    );
    this.name = 'NotificationDeniedError';
    this.queueArn = queueArn;
    this.denial = denial;
  }
}

/**
 * S3 checks the destination queue's policy when a notification is configured and on each
 * delivery; a denied delivery is dropped (here: recorded as a delivery error).
 * @throws {NotificationDeniedError}
 */
export async function assertNotificationAllowed(
  access: AccessControl,
  bucket: string,
  queueArn: string,
): Promise<void> {
  const verdict = await access.authorizeNotification(bucket, queueArn);
  if (!verdict.allowed) throw new NotificationDeniedError(queueArn, verdict.denial);
}

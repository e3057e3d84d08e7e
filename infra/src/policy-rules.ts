/**
 * Darkroom's guard rails as plain functions over resources (type, name, inputs): run by the tests
 * over the mocked program, and by `infra/policy` as a Pulumi policy pack on real previews.
 */

export interface CheckedResource {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
}

export interface Violation {
  readonly rule: string;
  readonly resource: string;
  readonly message: string;
}

type Obj = Record<string, unknown>;
const get = (value: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((v, k) => (v as Obj | undefined)?.[k], value);
const asArray = <T>(v: T | T[] | undefined): T[] =>
  v === undefined ? [] : Array.isArray(v) ? v : [v];

interface Statement {
  Sid?: string;
  Effect?: string;
  Action?: string | string[];
  Resource?: string | string[];
  Condition?: unknown;
}

function statements(policy: unknown): Statement[] {
  try {
    const doc = (typeof policy === 'string' ? JSON.parse(policy) : policy) as {
      Statement?: Statement | Statement[];
    };
    return asArray(doc?.Statement);
  } catch {
    return [];
  }
}

export interface Rule {
  readonly name: string;
  readonly description: string;
  /** Checks one resource; resources of other types return no violations. */
  check(resource: CheckedResource, all: readonly CheckedResource[]): string[];
}

/** Allow statements of a role policy matching `bad`, each turned into a message; other resources pass. */
function badAllows(
  r: CheckedResource,
  bad: (s: Statement) => boolean,
  describe: (s: Statement) => string,
): string[] {
  if (r.type !== 'aws:iam/rolePolicy:RolePolicy') return [];
  return statements(r.inputs['policy'])
    .filter((s) => s.Effect === 'Allow' && bad(s))
    .map(
      (s) => `statement ${s.Sid ?? '(no Sid)'} allows ${JSON.stringify(s.Action)}${describe(s)}`,
    );
}

export const RULES: readonly Rule[] = [
  {
    name: 'iam-no-wildcard-actions',
    description: 'Allow statements name their actions: no "*" or "service:*".',
    check: (r) =>
      badAllows(
        r,
        (s) => asArray(s.Action).some((a) => a === '*' || a.endsWith(':*')),
        () => '',
      ),
  },
  {
    name: 'iam-no-unconditioned-star-resource-writes',
    description: 'An Allow on Resource "*" must be read-only or carry a condition.',
    check: (r) =>
      badAllows(
        r,
        (s) =>
          asArray(s.Resource).includes('*') &&
          !s.Condition &&
          asArray(s.Action).some((a) => !/:(Describe|Get|List)/.test(a)),
        () => ' on every resource without a condition',
      ),
  },
  {
    name: 'iam-account-scoped-arn-has-account',
    description:
      'EC2 resource ARNs other than AWS-owned images and snapshots carry an account ("*" or the id); with an empty account field they match nothing and every launch is denied.',
    check: (r) =>
      badAllows(
        r,
        (s) =>
          asArray(s.Resource).some((arn) => {
            const match = /^arn:[^:]+:ec2:[^:]*::([a-z-]+)\//.exec(arn);
            return match !== null && !['image', 'snapshot'].includes(match[1] ?? '');
          }),
        (s) => ` on ${JSON.stringify(s.Resource)}: an account-scoped EC2 ARN with no account`,
      ),
  },
  {
    name: 'iam-create-not-conditioned-on-resource-tags',
    description:
      'A Create* permission cannot depend on aws:ResourceTag: the resource has no tags until it exists (use aws:RequestTag).',
    check: (r) =>
      badAllows(
        r,
        (s) =>
          JSON.stringify(s.Condition ?? {}).includes('aws:ResourceTag/') &&
          asArray(s.Action).some((action) => {
            // iam:CreateInstanceProfile creates an `instance-profile`: is that what Resource names?
            const created = /:Create([A-Za-z]+)$/.exec(action)?.[1];
            if (created === undefined) return false;
            const type = created.replace(/(?<=[a-z])([A-Z])/g, '-$1').toLowerCase();
            return asArray(s.Resource).some((arn) => arn.includes(`:${type}/`));
          }),
        () => ' only for resources that already carry tags',
      ),
  },
  {
    name: 's3-readers-may-list',
    description:
      'A role that reads objects under a prefix may list that prefix: otherwise S3 answers a missing key with 403, not 404 (an existence check fails, a deleted source looks like a permission error).',
    check: (r) => {
      if (r.type !== 'aws:iam/rolePolicy:RolePolicy') return [];
      const allows = statements(r.inputs['policy']).filter((s) => s.Effect === 'Allow');
      const read = allows
        .filter((s) => asArray(s.Action).includes('s3:GetObject'))
        .flatMap((s) => asArray(s.Resource))
        .filter((arn) => arn.startsWith('arn:aws:s3:::') && arn.includes('/'));
      const listed = allows
        .filter((s) => asArray(s.Action).includes('s3:ListBucket'))
        .flatMap((s) => asArray(get(s.Condition, 'StringLike.s3:prefix') as string | string[]));
      return read
        .filter((arn) => !listed.includes(arn.slice(arn.indexOf('/') + 1)))
        .map((arn) => `reads ${arn} but may not list it: a missing key answers 403`);
    },
  },
  {
    name: 'eks-coredns-after-nodes',
    description:
      'Without a default node group, CoreDNS must not be created inside eks.Cluster: it waits for nodes that do not exist yet and times out the first `up`.',
    check: (r) =>
      r.type === 'eks:index:Cluster' &&
      r.inputs['skipDefaultNodeGroup'] === true &&
      get(r.inputs, 'corednsAddonOptions.enabled') !== false
        ? ['CoreDNS is created with the cluster, before any node can run it']
        : [],
  },
  {
    name: 'pdb-allows-eviction',
    description:
      'A chart PodDisruptionBudget with minAvailable at or above its replica count blocks every node drain and upgrade.',
    check: (r) => {
      if (r.type !== 'kubernetes:helm.sh/v3:Release' || r.inputs['name'] !== 'keda') return [];
      const values = r.inputs['values'];
      return (
        [
          ['operator', 'operator.replicaCount'],
          ['metricServer', 'metricsServer.replicaCount'],
        ] as const
      ).flatMap(([pdb, replicas]) => {
        const min = get(values, `podDisruptionBudget.${pdb}.minAvailable`);
        const count = Number(get(values, replicas) ?? 1);
        return typeof min === 'number' && min >= count
          ? [`${pdb} PDB minAvailable ${min} with ${count} replica(s) can never be evicted`]
          : [];
      });
    },
  },
  {
    name: 's3-private-encrypted-tls-only',
    description:
      'Every bucket blocks public access, is encrypted by default and denies non-TLS requests.',
    check: (r, all) => {
      if (r.type !== 'aws:s3/bucket:Bucket') return [];
      const others = all.filter((o) => o.name.startsWith(r.name.replace(/-photos$/, '')));
      const problems: string[] = [];
      const pab = others.find(
        (o) => o.type === 'aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock',
      );
      if (
        !pab ||
        ![
          'blockPublicAcls',
          'blockPublicPolicy',
          'ignorePublicAcls',
          'restrictPublicBuckets',
        ].every((k) => pab.inputs[k] === true)
      )
        problems.push('public access is not fully blocked');
      if (
        !others.some(
          (o) =>
            o.type ===
            'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration',
        )
      )
        problems.push('no default encryption');
      const policy = others.find((o) => o.type === 'aws:s3/bucketPolicy:BucketPolicy');
      if (
        !statements(policy?.inputs['policy']).some(
          (s) =>
            s.Effect === 'Deny' &&
            JSON.stringify(s.Condition ?? {}).includes('aws:SecureTransport'),
        )
      )
        problems.push('non-TLS requests are not denied');
      return problems;
    },
  },
  {
    name: 'sqs-encrypted',
    description: 'Every queue uses server-side encryption.',
    check: (r) =>
      r.type === 'aws:sqs/queue:Queue' &&
      r.inputs['sqsManagedSseEnabled'] !== true &&
      !r.inputs['kmsMasterKeyId']
        ? ['queue is not encrypted']
        : [],
  },
  {
    name: 'sqs-work-queues-have-dlq',
    description: 'Every Darkroom work queue redrives to a dead-letter queue.',
    check: (r) =>
      r.type === 'aws:sqs/queue:Queue' && r.name.endsWith('-queue') && !r.inputs['redrivePolicy']
        ? ['work queue has no redrive policy']
        : [],
  },
  {
    name: 'nodes-imdsv2-hop-limit-1',
    description: 'Node launch templates and node classes require IMDSv2 with a hop limit of 1.',
    check: (r) => {
      const options =
        r.type === 'aws:ec2/launchTemplate:LaunchTemplate'
          ? (r.inputs['metadataOptions'] as Obj | undefined)
          : r.type === 'kubernetes:karpenter.k8s.aws/v1:EC2NodeClass'
            ? (get(r.inputs, 'spec.metadataOptions') as Obj | undefined)
            : undefined;
      if (
        options === undefined &&
        ![
          'aws:ec2/launchTemplate:LaunchTemplate',
          'kubernetes:karpenter.k8s.aws/v1:EC2NodeClass',
        ].includes(r.type)
      )
        return [];
      return options?.['httpTokens'] === 'required' && options['httpPutResponseHopLimit'] === 1
        ? []
        : ['instance metadata is reachable without IMDSv2 or beyond hop 1'];
    },
  },
  {
    name: 'pods-restricted',
    description:
      'Deployments run as non-root on a read-only root filesystem with every capability dropped.',
    check: (r) => {
      if (r.type !== 'kubernetes:apps/v1:Deployment') return [];
      const containers = asArray(
        get(r.inputs, 'spec.template.spec.containers') as Obj[] | undefined,
      );
      return containers.flatMap((c) => {
        const sc = (c['securityContext'] ?? {}) as Obj;
        const problems: string[] = [];
        if (sc['runAsNonRoot'] !== true)
          problems.push(`container ${String(c['name'])} may run as root`);
        if (sc['readOnlyRootFilesystem'] !== true)
          problems.push(`container ${String(c['name'])} has a writable root filesystem`);
        if (sc['allowPrivilegeEscalation'] !== false)
          problems.push(`container ${String(c['name'])} allows privilege escalation`);
        if (!asArray(get(sc, 'capabilities.drop') as string[] | undefined).includes('ALL'))
          problems.push(`container ${String(c['name'])} keeps capabilities`);
        if (!get(c, 'resources.limits.memory'))
          problems.push(`container ${String(c['name'])} has no memory limit`);
        return problems;
      });
    },
  },
  {
    name: 'ecr-immutable-scanned',
    description: 'Image repositories (except build caches) have immutable tags and scan on push.',
    check: (r) =>
      r.type === 'aws:ecr/repository:Repository' &&
      !String(r.inputs['name'] ?? r.name).endsWith('-cache') &&
      (r.inputs['imageTagMutability'] !== 'IMMUTABLE' ||
        get(r.inputs, 'imageScanningConfiguration.scanOnPush') !== true)
        ? ['tags are mutable or images are not scanned']
        : [],
  },
];

/** Run every rule over every resource. */
export function checkResources(resources: readonly CheckedResource[]): Violation[] {
  return resources.flatMap((resource) =>
    RULES.flatMap((rule) =>
      rule.check(resource, resources).map((message) => ({
        rule: rule.name,
        resource: `${resource.type} ${resource.name}`,
        message,
      })),
    ),
  );
}

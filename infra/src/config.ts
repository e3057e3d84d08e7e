/**
 * The stack configuration: read once from `pulumi.Config`, validated with zod, defaults filled.
 * Components never read config themselves; they take the typed values as arguments.
 */
import * as pulumi from '@pulumi/pulumi';
import {
  OPERATIONS,
  OPERATION_OPTION_ENV,
  SCALING_DEFAULTS,
  WORKER_NODE_FOOTPRINT_VCPU,
  WORKER_RESOURCES,
} from '@darkroom/pipeline-spec';
import { z } from 'zod';
import { CONTROL_PLANE_LOG_TYPES, LOG_RETENTION_DAYS } from './cluster-logs.ts';
import { componentProblem } from './support-calendar.ts';

/**
 * The EKS add-on builds pinned per Kubernetes minor (`aws eks describe-addon-versions
 * --kubernetes-version <v>`). A stack on a minor listed here takes its builds; any other minor must
 * pin all three in `addonVersions` (the schema refuses it otherwise), so a version bump can never
 * leave the add-ons on the previous minor's builds.
 */
export interface AddonBuilds {
  readonly vpcCni: string;
  readonly coredns: string;
  readonly kubeProxy: string;
}
export const ADDON_BUILDS: Readonly<Record<string, AddonBuilds>> = {
  '1.34': {
    vpcCni: 'v1.20.4-eksbuild.1',
    coredns: 'v1.12.4-eksbuild.1',
    kubeProxy: 'v1.34.0-eksbuild.2',
  },
  // EKS user guide, managing-kube-proxy / managing-coredns "latest per cluster version" tables
  // (1.35 rows). VPC CNI: EKS publishes one build for every supported minor (managing-vpc-cni
  // table), so 1.34's build carries over; `darkroom preflight` checks each build is offered
  // (DescribeAddonVersions) before an `up`.
  '1.35': {
    vpcCni: 'v1.20.4-eksbuild.1',
    coredns: 'v1.14.3-eksbuild.3',
    kubeProxy: 'v1.35.3-eksbuild.13',
  },
};

/**
 * The Amazon EKS AMI release the worker nodes pin: a published release of awslabs/amazon-eks-ami
 * (CHANGELOG "AMI Release v20260714": Kubernetes 1.30.14 … 1.36.2, 1.35.6 among them). Karpenter
 * resolves it through SSM
 * `/aws/service/eks/optimized-ami/<k8s>/amazon-linux-2023/<arch>/standard/amazon-eks-node-al2023-<arch>-standard-<k8s>-v20260714/image_id`.
 */
export const DEFAULT_AMI_ALIAS = 'al2023@v20260714';

const k8sQuantity = z.string().regex(/^\d+(\.\d+)?(m|Ki|Mi|Gi|Ti)?$/, {
  error: 'must be a Kubernetes quantity like "64" or "500m"',
});
const duration = z.string().regex(/^(\d+(s|m|h))+$|^Never$/, {
  error: 'must be a duration like "30s", "5m", "720h" or "Never"',
});
const semver = z
  .string()
  .regex(/^v?\d+\.\d+\.\d+([-.][\w.]+)?$/, { error: 'must be a pinned version like "1.8.1"' });
const iamPrincipalArn = z.string().regex(/^arn:aws[a-z-]*:iam::\d{12}:(role|user)\/[\w+=,.@/-]+$/, {
  error: 'must be an IAM role or user ARN like "arn:aws:iam::123456789012:role/ci-deploy"',
});
const cidr = z.string().regex(/^\d{1,3}(\.\d{1,3}){3}\/\d{1,2}$/, {
  error: 'must be an IPv4 CIDR like "203.0.113.0/24"',
});

const workerScaling = z
  .object({
    minReplicas: z.number().int().min(0).max(100).optional(),
    maxReplicas: z.number().int().min(1).max(1000).optional(),
    /**
     * Image-ops options of the operation (e.g. thumbnail `width`, watermark `opacity`), passed to
     * the pods as the spec's per-option variables; the worker validates their ranges at start.
     */
    operationOptions: z
      .record(z.string(), z.union([z.string(), z.number(), z.boolean()]))
      .optional(),
  })
  .strict();

/**
 * The Deployment environment of a stack's `workers.<op>.operationOptions`.
 * @throws {StackConfigError} for an option the operation does not have.
 */
export function operationOptionEnv(
  config: StackConfig,
  operation: (typeof OPERATIONS)[number],
): Record<string, string> {
  const names: Readonly<Record<string, string>> = OPERATION_OPTION_ENV[operation];
  const options = Object.entries(config.workers[operation]?.operationOptions ?? {});
  const unknown = options.filter(([option]) => names[option] === undefined);
  if (unknown.length > 0)
    throw new StackConfigError(
      unknown.map(
        ([option]) =>
          `darkroom:workers.${operation}.operationOptions has no option "${option}"; it takes ${Object.keys(names).join(', ')}`,
      ),
    );
  return Object.fromEntries(options.map(([option, value]) => [names[option], String(value)]));
}

export const stackConfigSchema = z
  .object({
    region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/, {
      error: 'must be an AWS region like "eu-west-1" (set aws:region)',
    }),
    clusterName: z.string().regex(/^[a-z][a-z0-9-]{2,37}$/, {
      error: 'must be 3–38 lower-case letters, digits or hyphens, starting with a letter',
    }),
    kubernetesVersion: z
      .string()
      .regex(/^1\.\d{2}$/, { error: 'must be a pinned minor version like "1.35"' })
      .default('1.35'),
    /**
     * What EKS does when the minor leaves standard support: STANDARD upgrades the control plane
     * then (never billed for extended support); EXTENDED keeps it, at $0.60 instead of $0.10 per
     * cluster-hour. The API's own default is EXTENDED, so it is always set explicitly.
     */
    supportType: z.enum(['STANDARD', 'EXTENDED']).default('STANDARD'),
    /** Unset add-ons take the builds EKS publishes for `kubernetesVersion` (ADDON_BUILDS). */
    addonVersions: z
      .object({
        vpcCni: z
          .string()
          .regex(/^v\d+\.\d+\.\d+-eksbuild\.\d+$/)
          .optional(),
        coredns: z
          .string()
          .regex(/^v\d+\.\d+\.\d+-eksbuild\.\d+$/)
          .optional(),
        kubeProxy: z
          .string()
          .regex(/^v\d+\.\d+\.\d+-eksbuild\.\d+$/)
          .optional(),
      })
      .strict()
      .prefault({}),
    /**
     * Control-plane logs: which types go to CloudWatch and for how long (the group is created
     * with this retention before the cluster; EKS would make one that keeps logs forever).
     */
    controlPlaneLogs: z
      .object({
        types: z.array(z.enum(CONTROL_PLANE_LOG_TYPES)).default([...CONTROL_PLANE_LOG_TYPES]),
        retentionDays: z
          .number()
          .refine((d) => LOG_RETENTION_DAYS.some((allowed) => allowed === d), {
            error: `must be one of CloudWatch's retentions: ${LOG_RETENTION_DAYS.join(', ')} days`,
          })
          .default(90),
      })
      .strict()
      .prefault({}),
    /** IAM principals (roles or users) given EKS cluster-admin through access entries, e.g. a CI deploy role. */
    clusterAdmins: z.array(iamPrincipalArn).default([]),
    /**
     * Give the CI preview role of this stack (infra/bootstrap, `darkroom-github-preview-<stack>`)
     * read-only cluster access, so PR and prod previews can read the live Kubernetes objects.
     */
    ciPreviewViewer: z
      .union([z.boolean(), z.stringbool({ truthy: ['true'], falsy: ['false'] })])
      .default(false),
    network: z
      .object({
        cidrBlock: cidr.default('10.40.0.0/16'),
        availabilityZones: z.number().int().min(2).max(6).default(3),
        natGateways: z
          .enum(['single', 'onePerAz'], {
            error: 'must be "single" (cheap) or "onePerAz" (zone-resilient)',
          })
          .default('single'),
        /**
         * S3 gateway endpoint on every route table (free): photos, results and ECR image layers
         * (served from S3) stay off the NAT gateway, which charges per GB.
         */
        s3GatewayEndpoint: z.boolean().default(true),
      })
      .strict()
      .prefault({}),
    endpoint: z
      .object({
        publicAccess: z.boolean().default(true),
        privateAccess: z.boolean().default(true),
        publicAccessCidrs: z.array(cidr).min(1).default(['0.0.0.0/0']),
        /**
         * A private-only endpoint is reachable only from inside the VPC; Pulumi's Helm and
         * Kubernetes resources then fail from a laptop or a hosted CI runner. Say you deploy from
         * inside the VPC to allow it.
         */
        deployFromInsideVpc: z.boolean().default(false),
      })
      .strict()
      .prefault({})
      .refine((e) => e.publicAccess || e.deployFromInsideVpc, {
        error:
          'publicAccess: false makes the API unreachable from where `pulumi up` runs unless it runs inside the VPC; restrict publicAccessCidrs instead, or set deployFromInsideVpc: true',
      })
      .refine((e) => e.publicAccess || e.privateAccess, {
        error: 'needs publicAccess or privateAccess',
      }),
    systemNodes: z
      .object({
        instanceTypes: z.array(z.string()).min(1).default(['m7i.large', 'm6i.large']),
        desired: z.number().int().min(1).default(2),
        min: z.number().int().min(1).default(2),
        max: z.number().int().min(1).default(4),
        diskGiB: z.number().int().min(20).max(1000).default(50),
      })
      .strict()
      .prefault({})
      .refine((s) => s.min <= s.desired && s.desired <= s.max, {
        error: 'needs min ≤ desired ≤ max',
      }),
    karpenter: z
      .object({
        // renovate: datasource=docker depName=public.ecr.aws/karpenter/karpenter
        chartVersion: semver.default('1.14.1'),
        amiAlias: z
          .string()
          .regex(/^(al2023|bottlerocket)@v[\d.]+$/, {
            error: `must pin an AMI alias like "${DEFAULT_AMI_ALIAS}" (never @latest)`,
          })
          .default(DEFAULT_AMI_ALIAS),
        cpuLimit: k8sQuantity.default('64'),
        consolidateAfter: duration.default('1m'),
        expireAfter: duration.default('720h'),
        architectures: z
          .array(z.enum(['amd64', 'arm64']))
          .min(1)
          .default(['amd64']),
        instanceCategories: z
          .array(z.enum(['c', 'm', 'r']))
          .min(1)
          .default(['c', 'm', 'r']),
        minInstanceGeneration: z.number().int().min(4).default(6),
        /**
         * EC2 needs the Spot service-linked role before any spot launch, and Karpenter may not
         * create it: without it every node silently runs on-demand. "create" makes it (and fails if
         * the account already has it: use "exists" then); `darkroom preflight` tells which.
         */
        spotServiceLinkedRole: z
          .enum(['create', 'exists'], { error: 'must be "create" or "exists"' })
          .default('create'),
      })
      .strict()
      .prefault({}),
    keda: z
      .object({
        // renovate: datasource=helm registryUrl=https://kedacore.github.io/charts depName=keda
        chartVersion: semver.default('2.20.2'),
        pollingIntervalSeconds: z.number().int().min(5).max(300).default(10),
        cooldownPeriodSeconds: z.number().int().min(30).max(3600).default(300),
      })
      .strict()
      .prefault({}),
    /** The clients' front desk (services/front-desk): API, page and webhooks, behind CloudFront. */
    frontDesk: z
      .object({
        enabled: z.boolean().default(true),
        replicas: z.number().int().min(1).max(10).default(2),
        /** A domain of the business's own; without one the URL is CloudFront's `*.cloudfront.net`. */
        domain: z
          .string()
          .regex(/^[a-z0-9.-]+\.[a-z]{2,}$/)
          .optional(),
        /** ACM certificate for `domain`, in us-east-1 (CloudFront's region). */
        certificateArn: z
          .string()
          .regex(/^arn:aws:acm:us-east-1:\d{12}:certificate\//)
          .optional(),
      })
      .strict()
      .refine((f) => !f.domain === !f.certificateArn, {
        error: 'domain and certificateArn go together',
      })
      .prefault({}),
    metricsServer: z
      // renovate: datasource=helm registryUrl=https://kubernetes-sigs.github.io/metrics-server depName=metrics-server
      .object({ chartVersion: semver.default('3.13.1') })
      .strict()
      .prefault({}),
    storage: z
      .object({
        encryption: z
          .enum(['sse-s3', 'sse-kms'], { error: 'must be "sse-s3" or "sse-kms"' })
          .default('sse-s3'),
        versioning: z.boolean().default(false),
        /**
         * With versioning: days an overwritten or deleted version is kept before S3 expires it
         * (current versions never expire: originals and results stay until the client deletes).
         */
        noncurrentVersionDays: z.number().int().min(1).max(3650).default(30),
        corsAllowedOrigins: z.array(z.string().url()).default([]),
        forceDestroy: z.boolean().default(false),
      })
      .strict()
      .prefault({}),
    workers: z
      .object(
        Object.fromEntries(OPERATIONS.map((op) => [op, workerScaling.optional()])) as Record<
          (typeof OPERATIONS)[number],
          z.ZodOptional<typeof workerScaling>
        >,
      )
      .strict()
      .prefault({}),
    monitoring: z
      .object({
        /** A PodMonitor for the Prometheus operator (needs its CRDs in the cluster). */
        podMonitor: z.boolean().default(false),
        scrapeInterval: z
          .string()
          .regex(/^\d+(s|m)$/, { error: 'must be an interval like "30s" or "1m"' })
          .default('30s'),
      })
      .strict()
      .prefault({}),
    alarms: z
      .object({
        email: z.string().email().optional(),
        oldestMessageAgeSeconds: z.number().int().min(60).max(1_209_600).optional(),
        stuckMinutes: z.number().int().min(2).max(60).default(15),
      })
      .strict()
      .prefault({}),
    images: z
      .object({
        platforms: z
          .array(z.enum(['linux/amd64', 'linux/arm64']))
          .min(1)
          .default(['linux/amd64']),
        keepLast: z.number().int().min(1).max(1000).default(20),
        /** Let `destroy` delete ECR repositories that still hold images (dev: true). */
        forceDelete: z.boolean().default(false),
        /**
         * Build nothing: copy, by digest, the image the named stack built from the same sources
         * (prod: dev, so prod runs what dev was smoke-tested and scanned with).
         */
        promoteFrom: z.enum(['dev', 'prod']).optional(),
      })
      .strict()
      .prefault({}),
  })
  .strict()
  .check((ctx) => {
    const { karpenter, images } = ctx.value;
    for (const arch of karpenter.architectures)
      if (!images.platforms.includes(`linux/${arch}`))
        ctx.issues.push({
          code: 'custom',
          path: ['karpenter', 'architectures'],
          input: karpenter.architectures,
          message: `allows ${arch} nodes but images.platforms has no linux/${arch}: pods landing there would fail with "exec format error"; add linux/${arch} to images.platforms`,
        });
    const builds = ADDON_BUILDS[ctx.value.kubernetesVersion];
    for (const addon of ['vpcCni', 'coredns', 'kubeProxy'] as const)
      if (ctx.value.addonVersions[addon] === undefined && builds === undefined)
        ctx.issues.push({
          code: 'custom',
          path: ['addonVersions', addon],
          input: undefined,
          message: `has no default for Kubernetes ${ctx.value.kubernetesVersion}: pin it (aws eks describe-addon-versions --kubernetes-version ${ctx.value.kubernetesVersion})`,
        });
    // A combination no component supports (support-calendar.ts) is refused before any `up`.
    const minor = ctx.value.kubernetesVersion;
    const pins = [
      ['karpenter', ['karpenter', 'chartVersion'], karpenter.chartVersion],
      ['eksAmi', ['karpenter', 'amiAlias'], karpenter.amiAlias],
      ['keda', ['keda', 'chartVersion'], ctx.value.keda.chartVersion],
      ['metricsServer', ['metricsServer', 'chartVersion'], ctx.value.metricsServer.chartVersion],
    ] as const;
    for (const [component, path, version] of pins) {
      const problem = componentProblem(component, version, minor);
      if (problem)
        ctx.issues.push({
          code: 'custom',
          path: [...path],
          input: version,
          message: `does not support kubernetesVersion ${minor}: ${problem}`,
        });
    }
    const kubeProxy = ctx.value.addonVersions.kubeProxy;
    if (kubeProxy !== undefined && !kubeProxy.startsWith(`v${ctx.value.kubernetesVersion}.`))
      ctx.issues.push({
        code: 'custom',
        path: ['addonVersions', 'kubeProxy'],
        input: kubeProxy,
        message: `must match kubernetesVersion ${ctx.value.kubernetesVersion} (kube-proxy is built per Kubernetes minor)`,
      });
  });

export type StackConfig = z.output<typeof stackConfigSchema>;

/** The add-on builds a stack runs: pinned ones, else the published builds for its Kubernetes version. */
export function addonVersionsFor(config: StackConfig): AddonBuilds {
  const builds = ADDON_BUILDS[config.kubernetesVersion];
  const pick = (addon: keyof AddonBuilds): string => {
    const version = config.addonVersions[addon] ?? builds?.[addon];
    if (version === undefined)
      throw new StackConfigError([`darkroom:addonVersions.${addon} unset`]);
    return version;
  };
  return { vpcCni: pick('vpcCni'), coredns: pick('coredns'), kubeProxy: pick('kubeProxy') };
}
export type RawStackConfig = z.input<typeof stackConfigSchema>;

/** Per-operation scaling: the spec's defaults overridden by the stack's `workers.<op>`. */
export function workerScalingFor(
  config: StackConfig,
  operation: (typeof OPERATIONS)[number],
): {
  minReplicas: number;
  maxReplicas: number;
  queueLength: number;
  activationQueueLength: number;
} {
  const defaults = SCALING_DEFAULTS[operation];
  const override = config.workers[operation] ?? {};
  return { ...defaults, ...override };
}

/** Cores of a Kubernetes CPU quantity: "2" → 2, "1800m" → 1.8. */
export const cores = (quantity: string): number =>
  quantity.endsWith('m') ? Number(quantity.slice(0, -1)) / 1000 : Number(quantity);

/**
 * Every worker at maxReplicas must fit under the NodePool's CPU limit (node capacity: each pod
 * takes WORKER_NODE_FOOTPRINT_VCPU of it): past it the pods stay Pending, KEDA's maximum is
 * unreachable and the "stuck at maxReplicas" alarm means nothing.
 */
function replicaCapacityProblem(config: StackConfig): string | undefined {
  const perPod = WORKER_NODE_FOOTPRINT_VCPU;
  const replicas = OPERATIONS.map((op) => workerScalingFor(config, op).maxReplicas);
  const needed = replicas.reduce((a, b) => a + b, 0) * perPod;
  const limit = cores(config.karpenter.cpuLimit);
  if (needed <= limit + 1e-9) return undefined;
  return `darkroom:karpenter.cpuLimit ${config.karpenter.cpuLimit} is below the workers' maxReplicas (${replicas.join(' + ')}) × ${perPod} vCPU of node capacity per pod (${WORKER_RESOURCES.cpu} requested) = ${needed} vCPU: lower workers.<op>.maxReplicas or raise cpuLimit`;
}

/** Raised for a stack configuration that does not validate; lists every problem with its key. */
export class StackConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: readonly string[]) {
    super(`Invalid stack configuration:\n  - ${problems.join('\n  - ')}`);
    this.name = 'StackConfigError';
    this.problems = problems;
  }
}

/**
 * Validate a raw configuration (the `darkroom:` keys plus `region`).
 * @throws {StackConfigError} naming each bad key (as `darkroom:<key>`), its expectation and the value.
 */
export function parseStackConfig(raw: unknown): StackConfig {
  const result = stackConfigSchema.safeParse(raw);
  if (result.success) {
    const scaling = OPERATIONS.map((op) => [op, workerScalingFor(result.data, op)] as const).filter(
      ([, s]) => s.minReplicas > s.maxReplicas,
    );
    for (const op of OPERATIONS) operationOptionEnv(result.data, op);
    const problems = scaling.map(
      ([op, s]) =>
        `darkroom:workers.${op} needs minReplicas ≤ maxReplicas, received ${s.minReplicas} > ${s.maxReplicas}`,
    );
    const capacity = replicaCapacityProblem(result.data);
    if (capacity) problems.push(capacity);
    if (problems.length > 0) throw new StackConfigError(problems);
    return result.data;
  }
  throw new StackConfigError(
    result.error.issues.map((issue) => {
      const key = issue.path.map(String).join('.');
      const label = key === 'region' ? 'aws:region' : `darkroom:${key || '(root)'}`;
      let value: unknown = raw;
      for (const part of issue.path)
        value =
          value !== null && typeof value === 'object'
            ? (value as Record<PropertyKey, unknown>)[part]
            : undefined;
      return `${label} ${issue.message}${value === undefined ? '' : `, received ${JSON.stringify(value)}`}`;
    }),
  );
}

const KEYS = [
  'clusterName',
  'kubernetesVersion',
  'supportType',
  'controlPlaneLogs',
  'clusterAdmins',
  'ciPreviewViewer',
  'addonVersions',
  'network',
  'endpoint',
  'systemNodes',
  'karpenter',
  'keda',
  'metricsServer',
  'storage',
  'workers',
  'images',
  'alarms',
  'monitoring',
] as const;

/** Read and validate this stack's configuration. The only place the program touches pulumi.Config. */
export function readStackConfig(): StackConfig {
  const darkroom = new pulumi.Config('darkroom');
  const raw: Record<string, unknown> = { region: new pulumi.Config('aws').get('region') };
  for (const key of KEYS) {
    const value = darkroom.get(key);
    if (value === undefined) continue;
    // Structured values (objects, lists) arrive as JSON; scalars such as "1.34" stay strings.
    raw[key] = /^\s*[[{]/.test(value) ? JSON.parse(value) : value;
  }
  return parseStackConfig(raw);
}

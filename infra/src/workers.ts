/**
 * Workers: the `darkroom` namespace (Pod Security Admission `restricted`) and, per operation, a
 * least-privilege IRSA role, ServiceAccount, hardened Deployment, PodDisruptionBudget and a KEDA
 * ScaledObject on queue depth (to zero at night) plus CPU.
 */
import * as aws from '@pulumi/aws';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { workerPolicy } from '@darkroom/access';
import {
  CONCURRENCY_PER_POD,
  HEALTH_PORT,
  PROBE_PATHS,
  SHUTDOWN_GRACE_SECONDS,
  TERMINATION_GRACE_PERIOD_SECONDS,
  WORKER_ENV,
  WORKER_RESOURCES,
  OPERATION_LABEL,
  type Operation,
  WORKLOAD_NAMESPACE,
  workerAppName,
} from '@darkroom/pipeline-spec';

export { WORKLOAD_NAMESPACE };
import type { ScaledObject, ScaledObjectSpec, TriggerAuthentication } from './crd-types.ts';
import {
  IRSA_ANNOTATION,
  type IrsaProviderArgs,
  type PhotoBucketArgs,
  irsaTrustPolicy,
} from './iam.ts';
import { WORKER_ROLE_LABEL, WORKER_TAINT } from './karpenter.ts';

/** The runtime image's non-root user (distroless `nonroot`). */
export const WORKER_UID = 65532;

export function createWorkloadNamespace(
  name: string,
  provider: k8s.Provider,
  opts?: pulumi.CustomResourceOptions,
): k8s.core.v1.Namespace {
  return new k8s.core.v1.Namespace(
    name,
    {
      metadata: {
        name: WORKLOAD_NAMESPACE,
        labels: {
          'pod-security.kubernetes.io/enforce': 'restricted',
          'pod-security.kubernetes.io/enforce-version': 'latest',
          'pod-security.kubernetes.io/warn': 'restricted',
          'pod-security.kubernetes.io/audit': 'restricted',
        },
      },
    },
    { ...opts, provider },
  );
}

export interface WorkerArgs extends IrsaProviderArgs, PhotoBucketArgs {
  readonly operation: Operation;
  readonly namespace: k8s.core.v1.Namespace;
  readonly provider: k8s.Provider;
  readonly image: pulumi.Input<string>;
  readonly queueUrl: pulumi.Input<string>;
  readonly queueArn: pulumi.Input<string>;
  readonly deadLetterQueueUrl: pulumi.Input<string>;
  readonly deadLetterQueueArn: pulumi.Input<string>;
  readonly scaling: {
    readonly minReplicas: number;
    readonly maxReplicas: number;
    readonly queueLength: number;
    readonly activationQueueLength: number;
  };
  /** The operation's options as the worker's environment (`operationOptionEnv`). */
  readonly operationOptionEnv?: Readonly<Record<string, string>>;
  readonly pollingIntervalSeconds: number;
  readonly cooldownPeriodSeconds: number;
  /** KEDA must be installed before its custom resources. */
  readonly keda: pulumi.Resource;
}

/**
 * The worker's role policy: `@darkroom/access`'s `workerPolicy` over this stack's ARNs, the same
 * document the local emulator enforces.
 */
export function workerPolicyJson(
  args: Pick<
    WorkerArgs,
    'operation' | 'bucketArn' | 'queueArn' | 'deadLetterQueueArn' | 'bucketKmsKeyArn' | 'region'
  >,
): pulumi.Output<string> {
  return pulumi
    .all([args.bucketArn, args.queueArn, args.deadLetterQueueArn, args.bucketKmsKeyArn])
    .apply(([bucketArn, queueArn, deadLetterQueueArn, bucketKmsKeyArn]) =>
      JSON.stringify(
        workerPolicy({
          operation: args.operation,
          region: args.region,
          bucketArn,
          queueArn,
          deadLetterQueueArn,
          bucketKmsKeyArn,
        }),
      ),
    );
}

/** Requests equal limits: Guaranteed QoS, predictable bin-packing, no noisy neighbours. */
const resources = { requests: { ...WORKER_RESOURCES }, limits: { ...WORKER_RESOURCES } };

/** The worker's environment: its queues, bucket and region, the pod's concurrency and grace, its options. */
function workerEnv(
  args: Pick<
    WorkerArgs,
    'queueUrl' | 'deadLetterQueueUrl' | 'bucketName' | 'region' | 'operationOptionEnv'
  >,
): Record<string, pulumi.Input<string>> {
  return {
    [WORKER_ENV.queueUrl]: args.queueUrl,
    [WORKER_ENV.deadLetterQueueUrl]: args.deadLetterQueueUrl,
    [WORKER_ENV.bucket]: args.bucketName,
    [WORKER_ENV.region]: args.region,
    [WORKER_ENV.concurrency]: String(CONCURRENCY_PER_POD),
    [WORKER_ENV.shutdownGraceSeconds]: String(SHUTDOWN_GRACE_SECONDS),
    [WORKER_ENV.healthPort]: String(HEALTH_PORT),
    ...args.operationOptionEnv,
  };
}

/**
 * The worker pod: non-root, read-only, no service-account token, on the worker nodes (taint and
 * label), spread over zones, with its probes and Guaranteed resources.
 */
export function workerPodSpec(
  args: Pick<
    WorkerArgs,
    'image' | 'queueUrl' | 'deadLetterQueueUrl' | 'bucketName' | 'region' | 'operationOptionEnv'
  >,
  labels: Record<string, string>,
  serviceAccountName: pulumi.Input<string>,
): k8s.types.input.core.v1.PodSpec {
  return {
    serviceAccountName,
    // The worker never calls the Kubernetes API; IRSA's token comes from its own projected volume.
    automountServiceAccountToken: false,
    terminationGracePeriodSeconds: TERMINATION_GRACE_PERIOD_SECONDS,
    securityContext: {
      runAsNonRoot: true,
      runAsUser: WORKER_UID,
      runAsGroup: WORKER_UID,
      fsGroup: WORKER_UID,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    nodeSelector: { ...WORKER_ROLE_LABEL },
    tolerations: [
      {
        key: WORKER_TAINT.key,
        operator: 'Equal',
        value: WORKER_TAINT.value,
        effect: WORKER_TAINT.effect,
      },
    ],
    topologySpreadConstraints: [
      {
        maxSkew: 1,
        topologyKey: 'topology.kubernetes.io/zone',
        whenUnsatisfiable: 'ScheduleAnyway',
        labelSelector: { matchLabels: labels },
      },
    ],
    containers: [
      {
        name: 'worker',
        image: args.image,
        env: Object.entries(workerEnv(args)).map(([envName, value]) => ({ name: envName, value })),
        ports: [{ name: 'http', containerPort: HEALTH_PORT }],
        resources,
        livenessProbe: {
          httpGet: { path: PROBE_PATHS.liveness, port: 'http' },
          periodSeconds: 10,
          timeoutSeconds: 2,
          failureThreshold: 6,
        },
        readinessProbe: {
          httpGet: { path: PROBE_PATHS.readiness, port: 'http' },
          periodSeconds: 5,
          timeoutSeconds: 2,
          failureThreshold: 2,
        },
        startupProbe: {
          httpGet: { path: PROBE_PATHS.liveness, port: 'http' },
          periodSeconds: 2,
          failureThreshold: 30,
        },
        securityContext: {
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          runAsNonRoot: true,
          runAsUser: WORKER_UID,
          capabilities: { drop: ['ALL'] },
          seccompProfile: { type: 'RuntimeDefault' },
        },
        volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }],
      },
    ],
    volumes: [{ name: 'tmp', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } }],
  };
}

/** The worker's IAM role (IRSA: only its own service account may assume it) and policy. */
function createWorkerRole(
  name: string,
  args: WorkerArgs,
  appName: string,
  parent: pulumi.Resource,
): aws.iam.Role {
  const role = new aws.iam.Role(
    `${name}-role`,
    {
      assumeRolePolicy: irsaTrustPolicy(
        args.oidcProviderArn,
        args.oidcProviderUrl,
        WORKLOAD_NAMESPACE,
        appName,
      ),
      description: `Darkroom ${args.operation} worker`,
    },
    { parent },
  );
  new aws.iam.RolePolicy(
    `${name}-policy`,
    { role: role.name, policy: workerPolicyJson(args) },
    { parent },
  );

  return role;
}

/** KEDA's TriggerAuthentication (its own IRSA identity) and the ScaledObject for this worker. */
function createScaling(
  name: string,
  args: WorkerArgs,
  appName: string,
  labels: Record<string, string>,
  deployment: k8s.apps.v1.Deployment,
  k8sOpts: pulumi.CustomResourceOptions,
): void {
  const authName = `${appName}-aws`;
  const triggerAuthentication: TriggerAuthentication = {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'TriggerAuthentication',
    metadata: { name: authName, namespace: WORKLOAD_NAMESPACE, labels },
    spec: { podIdentity: { provider: 'aws', identityOwner: 'keda' } },
  };
  const auth = new k8s.apiextensions.CustomResource(`${name}-trigger-auth`, triggerAuthentication, {
    ...k8sOpts,
    dependsOn: [args.keda, args.namespace],
  });

  const spec = pulumi
    .output(args.queueUrl)
    .apply((queueURL) =>
      scaledObjectSpec({ ...args, deploymentName: appName, queueURL, authName }),
    );
  const scaledObject = {
    apiVersion: 'keda.sh/v1alpha1',
    kind: 'ScaledObject',
    metadata: { name: appName, namespace: WORKLOAD_NAMESPACE, labels },
    spec,
  } satisfies Omit<ScaledObject, 'spec'> & { spec: pulumi.Output<ScaledObjectSpec> };
  new k8s.apiextensions.CustomResource(`${name}-scaledobject`, scaledObject, {
    ...k8sOpts,
    dependsOn: [auth, deployment],
  });
}

export class Worker extends pulumi.ComponentResource {
  readonly deploymentName: string;
  readonly roleArn: pulumi.Output<string>;

  constructor(name: string, args: WorkerArgs, opts?: pulumi.ComponentResourceOptions) {
    super('darkroom:workers:Worker', name, {}, opts);
    const appName = workerAppName(args.operation);
    const labels = {
      'app.kubernetes.io/name': appName,
      'app.kubernetes.io/part-of': 'darkroom',
      [OPERATION_LABEL]: args.operation,
    };
    const namespace = args.namespace.metadata.name;
    const k8sOpts = { parent: this, provider: args.provider };
    const role = createWorkerRole(name, args, appName, this);
    const serviceAccount = new k8s.core.v1.ServiceAccount(
      `${name}-sa`,
      {
        metadata: {
          name: appName,
          namespace,
          labels,
          annotations: { [IRSA_ANNOTATION]: role.arn },
        },
        automountServiceAccountToken: false,
      },
      k8sOpts,
    );
    this.deploymentName = appName;
    const deployment = new k8s.apps.v1.Deployment(
      `${name}-deployment`,
      {
        metadata: { name: appName, namespace, labels },
        spec: {
          // Created at zero and handed to KEDA: a first replica would need a Karpenter node before
          // the ScaledObject even exists, so `up` would wait on capacity (and launch a node just to
          // scale to zero). `ignoreChanges` below keeps later `up`s from resetting KEDA's count.
          replicas: 0,
          revisionHistoryLimit: 5,
          selector: { matchLabels: labels },
          strategy: {
            type: 'RollingUpdate',
            rollingUpdate: { maxSurge: '25%', maxUnavailable: 0 },
          },
          template: {
            metadata: {
              labels,
              annotations: {
                'prometheus.io/scrape': 'true',
                'prometheus.io/port': String(HEALTH_PORT),
                'prometheus.io/path': PROBE_PATHS.metrics,
              },
            },
            spec: workerPodSpec(args, labels, serviceAccount.metadata.name),
          },
        },
      },
      { ...k8sOpts, ignoreChanges: ['spec.replicas'] },
    );
    new k8s.policy.v1.PodDisruptionBudget(
      `${name}-pdb`,
      {
        metadata: { name: appName, namespace, labels },
        spec: { maxUnavailable: 1, selector: { matchLabels: labels } },
      },
      k8sOpts,
    );
    createScaling(name, args, appName, labels, deployment, k8sOpts);
    this.roleArn = role.arn;
    this.registerOutputs({ deploymentName: this.deploymentName, roleArn: this.roleArn });
  }
}

/** KEDA scaling: SQS depth (from zero) plus CPU, fast scale-up, stabilised scale-down. */
export function scaledObjectSpec(
  args: Pick<
    WorkerArgs,
    'scaling' | 'pollingIntervalSeconds' | 'cooldownPeriodSeconds' | 'region'
  > & { deploymentName: string; queueURL: string; authName: string },
): ScaledObjectSpec {
  return {
    scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: args.deploymentName },
    minReplicaCount: args.scaling.minReplicas,
    maxReplicaCount: args.scaling.maxReplicas,
    pollingInterval: args.pollingIntervalSeconds,
    cooldownPeriod: args.cooldownPeriodSeconds,
    advanced: {
      horizontalPodAutoscalerConfig: {
        behavior: {
          scaleUp: {
            stabilizationWindowSeconds: 0,
            selectPolicy: 'Max',
            policies: [
              { type: 'Percent', value: 100, periodSeconds: 15 },
              { type: 'Pods', value: 4, periodSeconds: 15 },
            ],
          },
          scaleDown: {
            stabilizationWindowSeconds: 300,
            selectPolicy: 'Min',
            policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }],
          },
        },
      },
    },
    triggers: [
      {
        type: 'aws-sqs-queue',
        metadata: {
          queueURL: args.queueURL,
          queueLength: String(args.scaling.queueLength),
          activationQueueLength: String(args.scaling.activationQueueLength),
          awsRegion: args.region,
          scaleOnInFlight: 'true',
        },
        authenticationRef: { name: args.authName },
      },
      { type: 'cpu', metricType: 'Utilization', metadata: { value: '75' } },
    ],
  };
}

/**
 * Deploy one operation's worker with its IRSA role and KEDA scaling.
 * @example createWorker('thumbnail-worker', { operation: 'thumbnail', namespace, provider, image, … })
 */
export function createWorker(
  name: string,
  args: WorkerArgs,
  opts?: pulumi.ComponentResourceOptions,
): Worker {
  return new Worker(name, args, opts);
}

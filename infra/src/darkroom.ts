/**
 * The whole system for one stack, composed from the capability components. `index.ts` calls it
 * with the validated stack config; tests call it under Pulumi's mocks.
 */
import * as aws from '@pulumi/aws';
import * as pulumi from '@pulumi/pulumi';
import { createFrontDesk, createFrontDeskExposure } from './front-desk.ts';
import { DELIVERY_STACKS, deliveryRoleName, isDeliveryStack } from '@darkroom/access';
import { OPERATIONS, type Operation, inputPrefix, outputPrefix } from '@darkroom/pipeline-spec';
import { createCoreDns, createKeda, createMetricsServer } from './addons.ts';
import { createAlarms } from './alarms.ts';
import { createPodMonitor } from './pod-monitor.ts';
import { createCluster } from './cluster.ts';
import {
  type StackConfig,
  addonVersionsFor,
  operationOptionEnv,
  workerScalingFor,
} from './config.ts';
import { createWorkerImage } from './images.ts';
import { createKarpenter } from './karpenter.ts';
import { createNetwork } from './network.ts';
import { createPhotoStorage } from './storage.ts';
import { createSystemNodeGroup } from './system-nodes.ts';
import { createWorker, createWorkloadNamespace } from './workers.ts';

export interface DarkroomOutputs {
  readonly bucketName: pulumi.Output<string>;
  readonly uploadPrefixes: Record<Operation, string>;
  readonly queueUrls: Record<Operation, pulumi.Output<string>>;
  readonly deadLetterQueueUrls: Record<Operation, pulumi.Output<string>>;
  readonly clusterName: pulumi.Output<string>;
  readonly kubeconfig: pulumi.Output<string>;
  readonly uploadHint: pulumi.Output<string>;
  readonly alarmTopicArn: pulumi.Output<string>;
  readonly dashboardName: pulumi.Output<string>;
  /** `repo@sha256:…` per worker: what CI attests (SBOM, provenance) after `up`. */
  /** Also `front-desk` when the front desk is enabled. */
  readonly imageRefs: Readonly<Record<string, pulumi.Output<string>>>;
  /** The clients' HTTPS URL (page and API), when the front desk is enabled. */
  readonly frontDeskUrl: pulumi.Output<string> | undefined;
}

interface DarkroomContext {
  readonly config: StackConfig;
  readonly stack: string;
  readonly repoRoot: string;
  readonly namePrefix: string;
}

const byOperation = <T>(fn: (op: Operation) => T) =>
  Object.fromEntries(OPERATIONS.map((op) => [op, fn(op)])) as Record<Operation, T>;

/** The cluster and what runs on it before any worker: nodes, DNS, Karpenter, Metrics Server. */
function createPlatform({ config, stack }: DarkroomContext) {
  const addonVersions = addonVersionsFor(config);
  const network = createNetwork('network', { clusterName: config.clusterName, ...config.network });
  const cluster = createCluster('cluster', {
    clusterName: config.clusterName,
    kubernetesVersion: config.kubernetesVersion,
    supportType: config.supportType,
    controlPlaneLogs: config.controlPlaneLogs,
    vpcId: network.vpcId,
    privateSubnetIds: network.privateSubnetIds,
    publicSubnetIds: network.publicSubnetIds,
    endpointPublicAccess: config.endpoint.publicAccess,
    endpointPrivateAccess: config.endpoint.privateAccess,
    publicAccessCidrs: config.endpoint.publicAccessCidrs,
    addonVersions,
    clusterAdmins: config.clusterAdmins,
    clusterViewers: config.ciPreviewViewer ? [previewRoleArn(stack)] : [],
  });
  const systemNodes = createSystemNodeGroup('system-nodes', {
    cluster: cluster.eks,
    clusterName: config.clusterName,
    subnetIds: network.privateSubnetIds,
    kubernetesVersion: config.kubernetesVersion,
    ...config.systemNodes,
  });
  createCoreDns('coredns', {
    clusterName: cluster.name,
    version: addonVersions.coredns,
    dependsOn: [systemNodes],
  });
  const karpenter = createKarpenter('karpenter', {
    clusterName: config.clusterName,
    clusterEndpointName: cluster.name,
    clusterArn: cluster.arn,
    oidcProviderArn: cluster.oidcProviderArn,
    oidcProviderUrl: cluster.oidcProviderUrl,
    provider: cluster.provider,
    region: config.region,
    ...config.karpenter,
    dependsOn: [systemNodes],
  });
  createMetricsServer('metrics-server', {
    provider: cluster.provider,
    chartVersion: config.metricsServer.chartVersion,
    dependsOn: [systemNodes],
  });
  return { network, cluster, systemNodes, karpenter };
}

type Platform = ReturnType<typeof createPlatform>;
type Storage = ReturnType<typeof createPhotoStorage>;

/** Per operation: its image (built, or promoted from another stack) and its worker deployment. */
function createWorkers(ctx: DarkroomContext, platform: Platform, storage: Storage) {
  const { config } = ctx;
  const { cluster } = platform;
  const keda = createKeda('keda', {
    provider: cluster.provider,
    chartVersion: config.keda.chartVersion,
    oidcProviderArn: cluster.oidcProviderArn,
    oidcProviderUrl: cluster.oidcProviderUrl,
    queueArns: OPERATIONS.map((op) => storage.queues[op].queue.arn),
    dependsOn: [platform.systemNodes],
  });
  const namespace = createWorkloadNamespace('workload-namespace', cluster.provider);
  const imageRefs = byOperation((operation) => {
    const image = createWorkerImage(`${operation}-image`, {
      namePrefix: ctx.namePrefix,
      operation,
      repoRoot: ctx.repoRoot,
      ...config.images,
      promoteFromNamePrefix: promotionSource(config.images.promoteFrom, ctx.stack),
    });
    const queues = storage.queues[operation];
    createWorker(
      `${operation}-worker`,
      {
        operation,
        namespace,
        provider: cluster.provider,
        image: image.ref,
        region: config.region,
        bucketName: storage.bucketName,
        bucketArn: storage.bucketArn,
        ...(storage.kmsKeyArn ? { bucketKmsKeyArn: storage.kmsKeyArn } : {}),
        queueUrl: queues.queue.url,
        queueArn: queues.queue.arn,
        deadLetterQueueUrl: queues.deadLetterQueue.url,
        deadLetterQueueArn: queues.deadLetterQueue.arn,
        oidcProviderArn: cluster.oidcProviderArn,
        oidcProviderUrl: cluster.oidcProviderUrl,
        scaling: workerScalingFor(config, operation),
        operationOptionEnv: operationOptionEnv(config, operation),
        pollingIntervalSeconds: config.keda.pollingIntervalSeconds,
        cooldownPeriodSeconds: config.keda.cooldownPeriodSeconds,
        keda: keda.release,
      },
      { dependsOn: [platform.karpenter] },
    );
    return image.ref;
  });
  return { namespace, imageRefs };
}

function createExposure(ctx: DarkroomContext, platform: Platform) {
  return createFrontDeskExposure('front-desk-exposure', {
    namePrefix: ctx.namePrefix,
    vpcId: platform.network.vpcId,
    privateSubnetIds: platform.network.privateSubnetIds,
    nodeSecurityGroupId: platform.cluster.clusterSecurityGroupId,
    systemNodeAutoscalingGroup: platform.systemNodes.autoscalingGroupName,
    domain: ctx.config.frontDesk.domain,
    certificateArn: ctx.config.frontDesk.certificateArn,
  });
}

/** The clients' front desk: its image (built or promoted like the workers') and its workload. */
function createClientsFrontDesk(
  ctx: DarkroomContext,
  platform: Platform,
  storage: Storage,
  namespace: ReturnType<typeof createWorkloadNamespace>,
) {
  const { config } = ctx;
  const image = createWorkerImage('front-desk-image', {
    namePrefix: ctx.namePrefix,
    operation: 'front-desk',
    repoRoot: ctx.repoRoot,
    ...config.images,
    promoteFromNamePrefix: promotionSource(config.images.promoteFrom, ctx.stack),
  });
  const desk = createFrontDesk('front-desk', {
    namespace,
    provider: platform.cluster.provider,
    image: image.ref,
    region: config.region,
    bucketName: storage.bucketName,
    bucketArn: storage.bucketArn,
    ...(storage.kmsKeyArn ? { bucketKmsKeyArn: storage.kmsKeyArn } : {}),
    resultsQueueUrl: storage.results.queue.url,
    resultsQueueArn: storage.results.queue.arn,
    deadLetterQueues: byOperation((op) => ({
      url: storage.queues[op].deadLetterQueue.url,
      arn: storage.queues[op].deadLetterQueue.arn,
    })),
    oidcProviderArn: platform.cluster.oidcProviderArn,
    oidcProviderUrl: platform.cluster.oidcProviderUrl,
    replicas: config.frontDesk.replicas,
  });
  return { desk, imageRef: image.ref };
}

export function createDarkroom(
  config: StackConfig,
  options: { stack: string; repoRoot: string },
): DarkroomOutputs {
  const ctx: DarkroomContext = { config, ...options, namePrefix: stackNamePrefix(options.stack) };
  const platform = createPlatform(ctx);
  const exposure = config.frontDesk.enabled ? createExposure(ctx, platform) : undefined;
  const storage = createPhotoStorage('storage', {
    namePrefix: ctx.namePrefix,
    ...config.storage,
    corsAllowedOrigins: [
      ...config.storage.corsAllowedOrigins,
      ...(exposure ? [exposure.origin] : []),
    ],
  });
  const { namespace, imageRefs } = createWorkers(ctx, platform, storage);
  const frontDesk = config.frontDesk.enabled
    ? createClientsFrontDesk(ctx, platform, storage, namespace)
    : undefined;
  const { cluster } = platform;
  if (config.monitoring.podMonitor)
    createPodMonitor('pod-monitor', {
      provider: cluster.provider,
      interval: config.monitoring.scrapeInterval,
      dependsOn: [namespace],
    });
  const alarms = createAlarms('alarms', {
    namePrefix: ctx.namePrefix,
    region: config.region,
    queues: byOperation((op) => ({
      queueName: storage.queues[op].queue.name,
      deadLetterQueueName: storage.queues[op].deadLetterQueue.name,
    })),
    scaling: byOperation((op) => workerScalingFor(config, op)),
    thresholds: config.alarms,
  });
  return {
    bucketName: storage.bucketName,
    uploadPrefixes: byOperation((op) => inputPrefix(op)),
    queueUrls: byOperation((op) => storage.queues[op].queue.url),
    deadLetterQueueUrls: byOperation((op) => storage.queues[op].deadLetterQueue.url),
    clusterName: cluster.name,
    kubeconfig: cluster.kubeconfig,
    alarmTopicArn: alarms.topicArn,
    dashboardName: alarms.dashboardName,
    imageRefs: { ...imageRefs, ...(frontDesk ? { 'front-desk': frontDesk.imageRef } : {}) },
    frontDeskUrl: exposure?.origin,
    uploadHint: pulumi.interpolate`aws s3 cp photo.jpg s3://${storage.bucketName}/${inputPrefix('thumbnail')}photo.jpg  (results appear under s3://${storage.bucketName}/${outputPrefix('thumbnail')})`,
  };
}

/** The CI preview role infra/bootstrap made for this stack. */
function previewRoleArn(stack: string): pulumi.Output<string> {
  if (!isDeliveryStack(stack))
    throw new Error(
      `darkroom:ciPreviewViewer is for the stacks infra/bootstrap makes roles for (${DELIVERY_STACKS.join(', ')}), not ${stack}`,
    );
  const role = deliveryRoleName('preview', stack);
  return aws.getCallerIdentityOutput().accountId.apply((id) => `arn:aws:iam::${id}:role/${role}`);
}

/** Every named resource of a stack starts with this (ECR repositories: `<prefix>/<op>`). */
const stackNamePrefix = (stack: string) => `darkroom-${stack}`;

function promotionSource(from: string | undefined, stack: string): string | undefined {
  if (from === undefined) return undefined;
  if (from === stack)
    throw new Error(
      `darkroom:images.promoteFrom names this stack (${stack}): name the stack to copy from`,
    );
  return stackNamePrefix(from);
}

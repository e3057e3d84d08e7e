/** Scenario: the dev stack (Pulumi.dev.yaml) under Pulumi's mocks. */
import {
  DLQ_RETENTION_SECONDS,
  MAX_RECEIVE_COUNT,
  OPERATIONS,
  SCALING_DEFAULTS,
  SHUTDOWN_GRACE_SECONDS,
  VISIBILITY_TIMEOUT_SECONDS,
  WORKER_RESOURCES,
} from '@darkroom/pipeline-spec';
import * as pulumi from '@pulumi/pulumi';
import { beforeAll, describe, expect, it } from 'vitest';
import type { DarkroomOutputs } from './darkroom.ts';
import {
  ACCOUNT_ID,
  type MockedProgram,
  one,
  ofType,
  policyOf,
  waitsFor,
} from './testing/mocks.ts';
import { runStack } from './testing/stacks.ts';

let program: MockedProgram;
let outputs: DarkroomOutputs;
beforeAll(async () => {
  ({ program, outputs } = await runStack('dev'));
});

const resolve = <T>(output: pulumi.Output<T>): Promise<T> =>
  new Promise((done) => output.apply(done));

type Obj = Record<string, unknown>;
const get = (value: unknown, path: string): unknown =>
  path.split('.').reduce<unknown>((v, k) => (v as Obj | undefined)?.[k], value);
const workQueueArn = (op: string) => `arn:aws:sqs:eu-west-1:${ACCOUNT_ID}:darkroom-dev-${op}`;

describe('dev stack: storage', () => {
  it('blocks public access, enforces bucket ownership, encrypts, denies non-TLS and never expires photos', () => {
    expect(
      one(program, 'aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock').inputs,
    ).toMatchObject({
      blockPublicAcls: true,
      blockPublicPolicy: true,
      ignorePublicAcls: true,
      restrictPublicBuckets: true,
    });
    expect(
      get(
        one(program, 'aws:s3/bucketOwnershipControls:BucketOwnershipControls').inputs,
        'rule.objectOwnership',
      ),
    ).toBe('BucketOwnerEnforced');
    expect(
      get(
        one(
          program,
          'aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration',
        ).inputs,
        'rules.0.applyServerSideEncryptionByDefault.sseAlgorithm',
      ),
    ).toBe('AES256');
    const tls = policyOf(one(program, 'aws:s3/bucketPolicy:BucketPolicy')).Statement;
    expect(tls).toContainEqual(
      expect.objectContaining({
        Effect: 'Deny',
        Action: 's3:*',
        Condition: { Bool: { 'aws:SecureTransport': false } },
      }),
    );
    // The only lifecycle rule aborts abandoned multipart uploads; nothing expires photos.
    expect(
      get(
        one(program, 'aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration').inputs,
        'rules',
      ),
    ).toEqual([
      {
        id: 'abort-incomplete-multipart-uploads',
        status: 'Enabled',
        filter: {},
        abortIncompleteMultipartUpload: { daysAfterInitiation: 1 },
      },
    ]);
    // CORS for the front desk's origin only: its page uploads straight to the bucket.
    expect(
      get(
        one(program, 'aws:s3/bucketCorsConfiguration:BucketCorsConfiguration').inputs,
        'corsRules.0.allowedOrigins',
      ),
    ).toEqual(['https://d111111abcdef8.cloudfront.net']);
    expect(
      get(
        one(program, 'aws:s3/bucketVersioning:BucketVersioning').inputs,
        'versioningConfiguration.status',
      ),
    ).toBe('Suspended');
  });

  it.each(OPERATIONS)(
    '%s has an encrypted work queue redriving to its own 14-day DLQ, writable only by this bucket',
    (op) => {
      const queue = one(program, 'aws:sqs/queue:Queue', `${op}-queue`);
      const dlq = one(program, 'aws:sqs/queue:Queue', `${op}-dlq`);
      expect(queue.inputs).toMatchObject({
        name: `darkroom-dev-${op}`,
        visibilityTimeoutSeconds: VISIBILITY_TIMEOUT_SECONDS,
        receiveWaitTimeSeconds: 20,
        sqsManagedSseEnabled: true,
      });
      expect(JSON.parse(String(queue.inputs['redrivePolicy']))).toEqual({
        deadLetterTargetArn: `${workQueueArn(op)}-dlq`,
        maxReceiveCount: MAX_RECEIVE_COUNT,
      });
      expect(dlq.inputs).toMatchObject({
        messageRetentionSeconds: DLQ_RETENTION_SECONDS,
        sqsManagedSseEnabled: true,
      });
      const allow = policyOf(
        one(program, 'aws:sqs/queuePolicy:QueuePolicy', `${op}-queue-policy`),
      ).Statement.find((s) => s.Effect === 'Allow');
      expect(allow).toMatchObject({
        Principal: { Service: 's3.amazonaws.com' },
        Action: 'sqs:SendMessage',
        Resource: workQueueArn(op),
      });
      expect(allow?.Condition).toEqual({
        ArnEquals: { 'aws:SourceArn': 'arn:aws:s3:::darkroom-dev-photos-0123abcd' },
        StringEquals: { 'aws:SourceAccount': ACCOUNT_ID },
      });
    },
  );

  it('notifies each operation queue of uploads under its own input prefix only', () => {
    const queues = get(
      one(program, 'aws:s3/bucketNotification:BucketNotification').inputs,
      'queues',
    ) as Obj[];
    expect(queues.map((q) => [q['filterPrefix'], q['queueArn'], q['events']])).toEqual([
      ...OPERATIONS.map((op) => [
        `input/${op}/`,
        workQueueArn(op),
        ['s3:ObjectCreated:*', 's3:ObjectRemoved:*'],
      ]),
      // New results, for the front desk's webhooks.
      ['output/', workQueueArn('results'), ['s3:ObjectCreated:*']],
    ]);
  });
});

describe('dev stack: network', () => {
  it('sends S3 traffic (photos, results, ECR layers) through a free gateway endpoint on every route table, not the NAT', () => {
    const endpoint = one(program, 'aws:ec2/vpcEndpoint:VpcEndpoint', 'network-s3');
    expect(endpoint.inputs).toMatchObject({
      vpcId: 'vpc-0abc',
      serviceName: 'com.amazonaws.eu-west-1.s3',
      vpcEndpointType: 'Gateway',
      routeTableIds: ['rtb-pub', 'rtb-priv-a', 'rtb-priv-b', 'rtb-priv-c'],
    });
  });
});

describe('dev stack: cluster and capacity', () => {
  it('runs EKS with API auth, OIDC, control-plane logs kept 14 days, KMS secrets encryption and pinned versions', () => {
    expect(one(program, 'eks:index:Cluster').inputs).toMatchObject({
      name: 'darkroom-dev',
      version: '1.35',
      // dev takes EKS's upgrade at the end of standard support rather than extended-support billing.
      upgradePolicy: { supportType: 'STANDARD' },
      authenticationMode: 'API',
      skipDefaultNodeGroup: true,
      createOidcProvider: true,
      // dev: who did what, for two weeks (the group exists first, with that retention).
      enabledClusterLogTypes: ['audit', 'authenticator'],
      encryptionConfigKeyArn: expect.stringMatching(/^arn:aws:kms:/),
      endpointPublicAccess: true,
      endpointPrivateAccess: true,
      vpcCniOptions: { addonVersion: 'v1.20.4-eksbuild.1' },
      // CoreDNS is its own add-on after the system nodes (see ordering.test.ts).
      corednsAddonOptions: { enabled: false },
      kubeProxyAddonOptions: { enabled: true, version: 'v1.35.3-eksbuild.13' },
    });
    const logs = one(program, 'aws:cloudwatch/logGroup:LogGroup', 'cluster-logs');
    expect(logs.inputs).toMatchObject({
      name: '/aws/eks/darkroom-dev/cluster',
      retentionInDays: 14,
    });
    expect(waitsFor(one(program, 'eks:index:Cluster'), logs)).toBe(true);
    expect(one(program, 'aws:kms/key:Key', 'secrets-key').inputs).toMatchObject({
      enableKeyRotation: true,
    });
  });

  it('builds a 3-AZ VPC with one NAT gateway and tagged subnets', () => {
    const vpc = one(program, 'awsx:ec2:Vpc').inputs;
    expect(vpc).toMatchObject({
      numberOfAvailabilityZones: 3,
      natGateways: { strategy: 'Single' },
    });
    expect(get(vpc, 'subnetSpecs.0.tags')).toMatchObject({
      'kubernetes.io/role/internal-elb': '1',
      'kubernetes.io/cluster/darkroom-dev': 'shared',
      'karpenter.sh/discovery': 'darkroom-dev',
    });
    expect(get(vpc, 'subnetSpecs.1.tags')).toMatchObject({ 'kubernetes.io/role/elb': '1' });
  });

  it('the system node group is on-demand, tainted, labelled, and its nodes require IMDSv2 with hop limit 1 and encrypted gp3', () => {
    expect(one(program, 'eks:index:ManagedNodeGroup').inputs).toMatchObject({
      capacityType: 'ON_DEMAND',
      labels: { 'darkroom.io/role': 'system' },
      taints: [{ key: 'CriticalAddonsOnly', value: 'true', effect: 'NO_SCHEDULE' }],
      scalingConfig: { desiredSize: 2, minSize: 2, maxSize: 3 },
    });
    expect(one(program, 'aws:ec2/launchTemplate:LaunchTemplate').inputs).toMatchObject({
      metadataOptions: {
        httpTokens: 'required',
        httpPutResponseHopLimit: 1,
        httpEndpoint: 'enabled',
      },
      blockDeviceMappings: [{ ebs: { volumeType: 'gp3', encrypted: 'true' } }],
    });
  });

  it('Karpenter NodePool: spot with on-demand fallback, tainted, labelled, CPU-capped, consolidating', () => {
    const spec = one(program, 'kubernetes:karpenter.sh/v1:NodePool').inputs['spec'] as Obj;
    const requirements = get(spec, 'template.spec.requirements') as Obj[];
    expect(requirements).toContainEqual({
      key: 'karpenter.sh/capacity-type',
      operator: 'In',
      values: ['spot', 'on-demand'],
    });
    expect(requirements).toContainEqual({
      key: 'karpenter.k8s.aws/instance-category',
      operator: 'In',
      values: ['c', 'm', 'r'],
    });
    expect(requirements).toContainEqual({
      key: 'kubernetes.io/arch',
      operator: 'In',
      values: ['amd64'],
    });
    expect(get(spec, 'template.spec.taints')).toEqual([
      { key: 'darkroom.io/workload', value: 'images', effect: 'NoSchedule' },
    ]);
    expect(get(spec, 'template.metadata.labels')).toEqual({ 'darkroom.io/role': 'worker' });
    expect(spec['limits']).toEqual({ cpu: '64' });
    expect(spec['disruption']).toMatchObject({
      consolidationPolicy: 'WhenEmptyOrUnderutilized',
      consolidateAfter: '1m',
    });
    expect(get(spec, 'template.spec.expireAfter')).toBe('720h');
  });

  it('EC2NodeClass pins the AMI alias, finds subnets and security groups by tag, requires IMDSv2 hop 1 and encrypts volumes', () => {
    const spec = one(program, 'kubernetes:karpenter.k8s.aws/v1:EC2NodeClass').inputs['spec'] as Obj;
    expect(spec).toMatchObject({
      instanceProfile: expect.stringMatching(/karpenter-node-profile/),
      amiSelectorTerms: [{ alias: 'al2023@v20260714' }],
      subnetSelectorTerms: [{ tags: { 'karpenter.sh/discovery': 'darkroom-dev' } }],
      securityGroupSelectorTerms: [{ tags: { 'karpenter.sh/discovery': 'darkroom-dev' } }],
      metadataOptions: { httpTokens: 'required', httpPutResponseHopLimit: 1 },
      blockDeviceMappings: [{ ebs: { encrypted: true, volumeType: 'gp3' } }],
    });
    expect(one(program, 'aws:ec2/tag:Tag').inputs).toMatchObject({
      resourceId: 'sg-cluster',
      key: 'karpenter.sh/discovery',
      value: 'darkroom-dev',
    });
  });

  it('feeds Karpenter the four interruption events through its queue', () => {
    const patterns = ofType(program, 'aws:cloudwatch/eventRule:EventRule').map(
      (r) => JSON.parse(String(r.inputs['eventPattern']))['detail-type'][0],
    );
    expect(patterns.sort()).toEqual([
      'AWS Health Event',
      'EC2 Instance Rebalance Recommendation',
      'EC2 Instance State-change Notification',
      'EC2 Spot Instance Interruption Warning',
    ]);
    expect(
      ofType(program, 'aws:cloudwatch/eventTarget:EventTarget').map((t) => t.inputs['arn']),
    ).toEqual(Array(4).fill(expect.stringMatching(/karpenter-interruptions/)));
    expect(one(program, 'aws:eks/accessEntry:AccessEntry', 'node-access').inputs).toMatchObject({
      type: 'EC2_LINUX',
    });
  });

  it('installs the upstream charts at the pinned versions on the system nodes', () => {
    const releases = Object.fromEntries(
      ofType(program, 'kubernetes:helm.sh/v3:Release').map((r) => [r.inputs['name'], r.inputs]),
    );
    expect(releases['karpenter']).toMatchObject({
      chart: 'oci://public.ecr.aws/karpenter/karpenter',
      version: '1.14.1',
      values: { settings: { clusterName: 'darkroom-dev' } },
    });
    expect(releases['keda']).toMatchObject({ chart: 'keda', version: '2.20.2' });
    expect(releases['metrics-server']).toMatchObject({
      chart: 'metrics-server',
      version: '3.13.1',
      values: { podDisruptionBudget: { enabled: true } },
    });
    expect(releases['karpenter-crd']).toMatchObject({
      chart: 'oci://public.ecr.aws/karpenter/karpenter-crd',
      version: '1.14.1',
    });
    expect(releases['karpenter']).toMatchObject({ skipCrds: true });
    expect(get(releases['karpenter'], 'values.controller.resources')).toEqual({
      requests: { cpu: '1', memory: '1Gi' },
      limits: { cpu: '1', memory: '1Gi' },
    });
    for (const release of Object.values(releases).filter((r) => get(r, 'values') !== undefined)) {
      expect(get(release, 'values.nodeSelector')).toEqual({ 'darkroom.io/role': 'system' });
      expect(get(release, 'values.tolerations')).toEqual([
        { key: 'CriticalAddonsOnly', operator: 'Exists', effect: 'NoSchedule' },
      ]);
    }
  });
});

describe('dev stack: images and workers', () => {
  it('keeps one scanned, immutable ECR repository per service and tags images by content hash', () => {
    for (const op of OPERATIONS) {
      expect(
        one(program, 'aws:ecr/repository:Repository', `${op}-image-repo`).inputs,
      ).toMatchObject({
        name: `darkroom-dev/${op}`,
        imageTagMutability: 'IMMUTABLE',
        // dev: `pulumi destroy` removes repositories that still hold images (images.forceDelete).
        forceDelete: true,
        imageScanningConfiguration: { scanOnPush: true },
      });
      const lifecycle = JSON.parse(
        String(
          one(program, 'aws:ecr/lifecyclePolicy:LifecyclePolicy', `${op}-image-lifecycle`).inputs[
            'policy'
          ],
        ),
      );
      expect(lifecycle.rules[0].selection).toMatchObject({
        countType: 'imageCountMoreThan',
        countNumber: 10,
      });
      const image = one(program, 'docker-build:index:Image', `${op}-image`).inputs;
      expect(image).toMatchObject({
        push: true,
        platforms: ['linux/amd64'],
        // Built from the staged context of exactly the hashed files (content-hash.ts), so an
        // unrelated edit neither rebuilds nor re-pushes the IMMUTABLE tag.
        context: { location: expect.stringMatching(new RegExp(`dist/image-context/${op}$`)) },
        dockerfile: {
          location: expect.stringMatching(
            new RegExp(`dist/image-context/${op}/services/Dockerfile$`),
          ),
        },
        buildArgs: { SERVICE: op },
        buildOnPreview: false,
      });
      expect((image['tags'] as string[])[0]).toMatch(
        new RegExp(`darkroom-dev/${op}:[0-9a-f]{16}$`),
      );
    }
  });

  it('labels the workload namespace for Pod Security Admission "restricted"', () => {
    expect(
      get(one(program, 'kubernetes:core/v1:Namespace').inputs, 'metadata.labels'),
    ).toMatchObject({ 'pod-security.kubernetes.io/enforce': 'restricted' });
  });

  it.each(OPERATIONS)(
    'the %s Deployment is hardened, probed, sized from the spec and placed on worker nodes',
    (op) => {
      const deployment = one(program, 'kubernetes:apps/v1:Deployment', `${op}-worker`).inputs;
      const pod = get(deployment, 'spec.template.spec') as Obj;
      const container = (pod['containers'] as Obj[])[0] as Obj;
      // Created at zero and owned by KEDA afterwards (see ordering.test.ts for ignoreChanges).
      expect(get(deployment, 'spec.replicas')).toBe(0);
      expect(pod['automountServiceAccountToken']).toBe(false);
      expect(pod['securityContext']).toMatchObject({
        runAsNonRoot: true,
        runAsUser: 65532,
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(container['securityContext']).toEqual({
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        runAsUser: 65532,
        capabilities: { drop: ['ALL'] },
        seccompProfile: { type: 'RuntimeDefault' },
      });
      expect(container['resources']).toEqual({
        requests: WORKER_RESOURCES,
        limits: WORKER_RESOURCES,
      });
      expect(get(container, 'livenessProbe.httpGet.path')).toBe('/healthz');
      expect(get(container, 'readinessProbe.httpGet.path')).toBe('/readyz');
      expect(pod['nodeSelector']).toEqual({ 'darkroom.io/role': 'worker' });
      expect(pod['tolerations']).toEqual([
        { key: 'darkroom.io/workload', operator: 'Equal', value: 'images', effect: 'NoSchedule' },
      ]);
      expect(get(pod, 'topologySpreadConstraints.0.topologyKey')).toBe(
        'topology.kubernetes.io/zone',
      );
      expect(pod['terminationGracePeriodSeconds']).toBeGreaterThan(SHUTDOWN_GRACE_SECONDS);
      expect(get(deployment, 'spec.template.metadata.annotations')).toMatchObject({
        'prometheus.io/scrape': 'true',
        'prometheus.io/path': '/metrics',
      });
      const env = Object.fromEntries(
        (container['env'] as { name: string; value: string }[]).map((e) => [e.name, e.value]),
      );
      expect(env).toMatchObject({
        DARKROOM_QUEUE_URL: `https://sqs.eu-west-1.amazonaws.com/${ACCOUNT_ID}/darkroom-dev-${op}`,
        DARKROOM_DLQ_URL: `https://sqs.eu-west-1.amazonaws.com/${ACCOUNT_ID}/darkroom-dev-${op}-dlq`,
        AWS_REGION: 'eu-west-1',
        DARKROOM_CONCURRENCY: '2',
      });
      // Pulumi.dev.yaml sets the thumbnail box through darkroom:workers.thumbnail.operationOptions.
      if (op === 'thumbnail')
        expect(env).toMatchObject({
          DARKROOM_THUMBNAIL_WIDTH: '320',
          DARKROOM_THUMBNAIL_HEIGHT: '320',
        });
      else
        expect(Object.keys(env).filter((name) => name.startsWith('DARKROOM_THUMBNAIL_'))).toEqual(
          [],
        );
      expect(container['image']).toMatch(/@sha256:/);
      expect(
        get(
          one(program, 'kubernetes:core/v1:ServiceAccount', `${op}-worker`).inputs,
          'metadata.annotations',
        ),
      ).toEqual({
        'eks.amazonaws.com/role-arn': expect.stringMatching(new RegExp(`role/.*${op}-worker-role`)),
      });
      expect(
        get(
          one(program, 'kubernetes:policy/v1:PodDisruptionBudget', `${op}-worker`).inputs,
          'spec.maxUnavailable',
        ),
      ).toBe(1);
    },
  );

  it.each(OPERATIONS)(
    'the %s ScaledObject scales its Deployment on queue depth from zero, plus CPU, through pod identity',
    (op) => {
      const spec = one(program, 'kubernetes:keda.sh/v1alpha1:ScaledObject', `${op}-worker`).inputs[
        'spec'
      ] as Obj;
      expect(spec).toMatchObject({
        scaleTargetRef: { kind: 'Deployment', name: `darkroom-${op}` },
        minReplicaCount: 0,
        maxReplicaCount: SCALING_DEFAULTS[op].maxReplicas,
        pollingInterval: 10,
        cooldownPeriod: 300,
      });
      const triggers = spec['triggers'] as Obj[];
      expect(triggers.map((t) => t['type'])).toEqual(['aws-sqs-queue', 'cpu']);
      expect(triggers[0]).toMatchObject({
        metadata: {
          queueLength: String(SCALING_DEFAULTS[op].queueLength),
          queueURL: expect.stringContaining(`darkroom-dev-${op}`),
        },
        authenticationRef: { name: `darkroom-${op}-aws` },
      });
      expect(
        get(spec, 'advanced.horizontalPodAutoscalerConfig.behavior.scaleUp.policies.0'),
      ).toEqual({ type: 'Percent', value: 100, periodSeconds: 15 });
      expect(
        get(
          spec,
          'advanced.horizontalPodAutoscalerConfig.behavior.scaleDown.stabilizationWindowSeconds',
        ),
      ).toBe(300);
      const auth = one(
        program,
        'kubernetes:keda.sh/v1alpha1:TriggerAuthentication',
        `${op}-worker`,
      ).inputs;
      expect(get(auth, 'metadata.name')).toBe(`darkroom-${op}-aws`);
      expect(auth['spec']).toEqual({ podIdentity: { provider: 'aws', identityOwner: 'keda' } });
    },
  );
});

describe('dev stack: wiring and outputs', () => {
  it('creates every Kubernetes object through the cluster provider', () => {
    const k8s = program.resources.filter((r) => r.type.startsWith('kubernetes:'));
    expect(k8s.length).toBeGreaterThan(15);
    for (const r of k8s)
      expect(r.provider, `${r.type} ${r.name}`).toMatch(
        /pulumi:providers:kubernetes::cluster-k8s::/,
      );
  });

  it('gives Karpenter nodes an instance profile and bounds disruption', () => {
    expect(one(program, 'aws:iam/instanceProfile:InstanceProfile').inputs['role']).toMatch(
      /karpenter-node-role/,
    );
    const disruption = get(
      one(program, 'kubernetes:karpenter.sh/v1:NodePool').inputs,
      'spec.disruption',
    ) as Obj;
    expect(disruption['budgets']).toEqual([
      { nodes: '20%' },
      { nodes: '2', reasons: ['Underutilized'] },
    ]);
  });

  it('runs KEDA with pod identity and PDBs, Karpenter with a PDB, both on the system nodes', () => {
    const releases = Object.fromEntries(
      ofType(program, 'kubernetes:helm.sh/v3:Release').map((r) => [r.inputs['name'], r.inputs]),
    );
    expect(get(releases['keda'], 'values.podIdentity.aws.irsa')).toEqual({
      enabled: true,
      roleArn: expect.stringMatching(/keda-operator-role/),
    });
    // Two replicas behind maxUnavailable 1: a node drain can always evict one of each.
    expect(get(releases['keda'], 'values.podDisruptionBudget')).toEqual({
      operator: { maxUnavailable: 1 },
      metricServer: { maxUnavailable: 1 },
    });
    expect(get(releases['keda'], 'values.operator.replicaCount')).toBe(2);
    expect(get(releases['keda'], 'values.metricsServer.replicaCount')).toBe(2);
    // The chart's IRSA setting annotates the operator's service account; a second annotation
    // under serviceAccount.operator.annotations would duplicate the key.
    expect(get(releases['keda'], 'values.serviceAccount.operator')).toEqual({
      name: 'keda-operator',
    });
    expect(get(releases['karpenter'], 'values.podDisruptionBudget')).toEqual({
      name: 'karpenter',
      maxUnavailable: 1,
    });
  });

  it('builds images with their layer cache in a separate ECR repository', () => {
    for (const op of OPERATIONS) {
      const image = one(program, 'docker-build:index:Image', `${op}-image`).inputs;
      expect(get(image, 'cacheFrom.0.registry.ref')).toMatch(
        new RegExp(`darkroom-dev/${op}-cache:buildcache$`),
      );
      expect(get(image, 'cacheTo.0.registry')).toMatchObject({ mode: 'max', imageManifest: true });
      expect(
        one(program, 'aws:ecr/repository:Repository', `${op}-image-cache`).inputs[
          'imageTagMutability'
        ],
      ).toBe('MUTABLE');
    }
  });

  it('mounts a small in-memory /tmp since the root filesystem is read-only', () => {
    const pod = get(
      one(program, 'kubernetes:apps/v1:Deployment', 'thumbnail-worker').inputs,
      'spec.template.spec',
    ) as Obj;
    expect(pod['volumes']).toEqual([
      { name: 'tmp', emptyDir: { medium: 'Memory', sizeLimit: '64Mi' } },
    ]);
    expect(get(pod, 'containers.0.volumeMounts')).toEqual([{ name: 'tmp', mountPath: '/tmp' }]);
  });

  it('exports the bucket, upload prefixes, queue and DLQ URLs, cluster name, a secret kubeconfig and an upload hint', async () => {
    expect(await resolve(outputs.bucketName)).toBe('darkroom-dev-photos-0123abcd');
    expect(outputs.uploadPrefixes).toEqual({
      grayscale: 'input/grayscale/',
      watermark: 'input/watermark/',
      thumbnail: 'input/thumbnail/',
    });
    expect(await resolve(outputs.queueUrls.watermark)).toBe(
      `https://sqs.eu-west-1.amazonaws.com/${ACCOUNT_ID}/darkroom-dev-watermark`,
    );
    expect(await resolve(outputs.deadLetterQueueUrls.watermark)).toBe(
      `https://sqs.eu-west-1.amazonaws.com/${ACCOUNT_ID}/darkroom-dev-watermark-dlq`,
    );
    expect(await resolve(outputs.clusterName)).toBe('darkroom-dev');
    expect(await pulumi.isSecret(outputs.kubeconfig)).toBe(true);
    expect(await resolve(outputs.uploadHint)).toMatch(
      /^aws s3 cp photo\.jpg s3:\/\/darkroom-dev-photos-0123abcd\/input\/thumbnail\/photo\.jpg/,
    );
  });
});

/**
 * The clients' front desk in the cluster, and how clients reach it over HTTPS.
 *
 * Exposure (decided so a stack without a domain still gets HTTPS, and nothing but CloudFront can
 * reach the pods): CloudFront terminates TLS (its own `*.cloudfront.net` certificate, or an ACM
 * certificate for `frontDesk.domain`) and reaches an internal NLB in the private subnets through
 * a CloudFront VPC origin, so the NLB has no public address; the NLB forwards to a NodePort on
 * the system nodes, where the front desk runs (small, always on). No controller is needed (the
 * AWS Load Balancer Controller would be one more add-on to keep current for one Service).
 *
 * Children: `${name}-role`/`-policy` (IRSA, `frontDeskPolicy()`), `-sa`, `-deployment`,
 * `-service`, `-pdb`; `createFrontDeskExposure()`: `-nlb-sg`, `-nlb`, `-tg`, `-listener`,
 * `-asg`, `-node-ingress`, `-vpc-origin`, `-cdn`.
 */
import * as aws from '@pulumi/aws';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import { frontDeskPolicy } from '@darkroom/access';
import {
  FRONT_DESK_ENV,
  FRONT_DESK_PORT,
  OPERATIONS,
  type Operation,
  WORKLOAD_NAMESPACE,
} from '@darkroom/pipeline-spec';
import {
  IRSA_ANNOTATION,
  type IrsaProviderArgs,
  type PhotoBucketArgs,
  irsaTrustPolicy,
} from './iam.ts';
import { SYSTEM_PLACEMENT } from './system-nodes.ts';

export const FRONT_DESK_APP = 'darkroom-front-desk';
/** The NodePort the internal NLB forwards to. */
export const FRONT_DESK_NODE_PORT = 30080;
/** CloudFront managed policies: no caching (an API), every viewer header but Host to the origin. */
const CACHING_DISABLED = '4135ea2d-6df8-44a3-9df3-4b5a84be39ad';
const ALL_VIEWER_EXCEPT_HOST = 'b689b0a8-53d0-40ab-baf2-68738e2966ac';

export interface FrontDeskExposureArgs {
  readonly namePrefix: string;
  readonly vpcId: pulumi.Input<string>;
  readonly privateSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
  readonly nodeSecurityGroupId: pulumi.Input<string>;
  readonly systemNodeAutoscalingGroup: pulumi.Input<string>;
  /** A domain of the business's own, with an ACM certificate in us-east-1 for it. */
  readonly domain?: string | undefined;
  readonly certificateArn?: string | undefined;
}

export interface FrontDeskExposure {
  /** `https://…`: the origin the page is served from (the bucket's CORS allows it). */
  readonly origin: pulumi.Output<string>;
}

function createInternalNlb(name: string, args: FrontDeskExposureArgs, parent: pulumi.Resource) {
  const cloudfront = aws.ec2.getManagedPrefixListOutput(
    { name: 'com.amazonaws.global.cloudfront.origin-facing' },
    { parent },
  );
  const securityGroup = new aws.ec2.SecurityGroup(
    `${name}-nlb-sg`,
    {
      vpcId: args.vpcId,
      description: 'Front desk NLB: CloudFront origin-facing addresses only',
      ingress: [{ protocol: 'tcp', fromPort: 80, toPort: 80, prefixListIds: [cloudfront.id] }],
      egress: [
        {
          protocol: 'tcp',
          fromPort: FRONT_DESK_NODE_PORT,
          toPort: FRONT_DESK_NODE_PORT,
          cidrBlocks: ['0.0.0.0/0'],
        },
      ],
    },
    { parent },
  );
  const nlb = new aws.lb.LoadBalancer(
    `${name}-nlb`,
    {
      internal: true,
      loadBalancerType: 'network',
      subnets: args.privateSubnetIds,
      securityGroups: [securityGroup.id],
      namePrefix: 'desk-',
    },
    { parent },
  );
  const targets = new aws.lb.TargetGroup(
    `${name}-tg`,
    {
      port: FRONT_DESK_NODE_PORT,
      protocol: 'TCP',
      vpcId: args.vpcId,
      targetType: 'instance',
      healthCheck: { protocol: 'HTTP', path: '/healthz', port: String(FRONT_DESK_NODE_PORT) },
    },
    { parent },
  );
  new aws.lb.Listener(
    `${name}-listener`,
    {
      loadBalancerArn: nlb.arn,
      port: 80,
      protocol: 'TCP',
      defaultActions: [{ type: 'forward', targetGroupArn: targets.arn }],
    },
    { parent },
  );
  new aws.autoscaling.Attachment(
    `${name}-asg`,
    { autoscalingGroupName: args.systemNodeAutoscalingGroup, lbTargetGroupArn: targets.arn },
    { parent },
  );
  new aws.vpc.SecurityGroupIngressRule(
    `${name}-node-ingress`,
    {
      securityGroupId: args.nodeSecurityGroupId,
      referencedSecurityGroupId: securityGroup.id,
      ipProtocol: 'tcp',
      fromPort: FRONT_DESK_NODE_PORT,
      toPort: FRONT_DESK_NODE_PORT,
      description: 'front desk NLB to its NodePort',
    },
    { parent },
  );
  return nlb;
}

/** CloudFront (TLS, the clients' HTTPS URL) → VPC origin → internal NLB → the front desk's NodePort. */
export function createFrontDeskExposure(
  name: string,
  args: FrontDeskExposureArgs,
  opts: pulumi.ComponentResourceOptions = {},
): FrontDeskExposure {
  const parent = new pulumi.ComponentResource('darkroom:front-desk:Exposure', name, {}, opts);
  const nlb = createInternalNlb(name, args, parent);
  const vpcOrigin = new aws.cloudfront.VpcOrigin(
    `${name}-vpc-origin`,
    {
      vpcOriginEndpointConfig: {
        name: `${args.namePrefix}-front-desk`,
        arn: nlb.arn,
        httpPort: 80,
        httpsPort: 443,
        originProtocolPolicy: 'http-only',
        originSslProtocols: { items: ['TLSv1.2'], quantity: 1 },
      },
    },
    { parent },
  );
  const custom = args.domain && args.certificateArn;
  const cdn = new aws.cloudfront.Distribution(
    `${name}-cdn`,
    {
      enabled: true,
      comment: `${args.namePrefix} front desk`,
      ...(custom ? { aliases: [args.domain ?? ''] } : {}),
      origins: [
        {
          originId: 'front-desk',
          domainName: nlb.dnsName,
          vpcOriginConfig: { vpcOriginId: vpcOrigin.id },
        },
      ],
      defaultCacheBehavior: {
        targetOriginId: 'front-desk',
        viewerProtocolPolicy: 'redirect-to-https',
        allowedMethods: ['GET', 'HEAD', 'OPTIONS', 'PUT', 'POST', 'PATCH', 'DELETE'],
        cachedMethods: ['GET', 'HEAD'],
        cachePolicyId: CACHING_DISABLED,
        originRequestPolicyId: ALL_VIEWER_EXCEPT_HOST,
        compress: true,
      },
      restrictions: { geoRestriction: { restrictionType: 'none' } },
      viewerCertificate: custom
        ? {
            acmCertificateArn: args.certificateArn ?? '',
            sslSupportMethod: 'sni-only',
            minimumProtocolVersion: 'TLSv1.2_2021',
          }
        : { cloudfrontDefaultCertificate: true },
    },
    { parent },
  );
  return {
    origin: custom
      ? pulumi.output(`https://${args.domain}`)
      : pulumi.interpolate`https://${cdn.domainName}`,
  };
}

export interface FrontDeskArgs extends IrsaProviderArgs, PhotoBucketArgs {
  readonly namespace: k8s.core.v1.Namespace;
  readonly provider: k8s.Provider;
  readonly image: pulumi.Input<string>;
  readonly resultsQueueUrl: pulumi.Input<string>;
  readonly resultsQueueArn: pulumi.Input<string>;
  readonly deadLetterQueues: Readonly<
    Record<Operation, { url: pulumi.Input<string>; arn: pulumi.Input<string> }>
  >;
  readonly replicas: number;
}

function frontDeskRole(name: string, args: FrontDeskArgs, parent: pulumi.Resource): aws.iam.Role {
  const role = new aws.iam.Role(
    `${name}-role`,
    {
      assumeRolePolicy: irsaTrustPolicy(
        args.oidcProviderArn,
        args.oidcProviderUrl,
        WORKLOAD_NAMESPACE,
        FRONT_DESK_APP,
      ),
      description: 'Darkroom front desk',
    },
    { parent },
  );
  const dlqArns = OPERATIONS.map((op) => args.deadLetterQueues[op].arn);
  const policy = pulumi
    .all([args.bucketArn, args.resultsQueueArn, pulumi.all(dlqArns), args.bucketKmsKeyArn])
    .apply(([bucketArn, resultsQueueArn, deadLetterQueueArns, bucketKmsKeyArn]) =>
      JSON.stringify(
        frontDeskPolicy({
          bucketArn,
          resultsQueueArn,
          deadLetterQueueArns,
          bucketKmsKeyArn,
          region: args.region,
        }),
      ),
    );
  new aws.iam.RolePolicy(`${name}-policy`, { role: role.name, policy }, { parent });
  return role;
}

function frontDeskEnv(args: FrontDeskArgs) {
  const dlqs = pulumi
    .all(Object.fromEntries(OPERATIONS.map((op) => [op, args.deadLetterQueues[op].url])))
    .apply((urls) => JSON.stringify(urls));
  return Object.entries({
    [FRONT_DESK_ENV.bucket]: args.bucketName,
    [FRONT_DESK_ENV.region]: args.region,
    [FRONT_DESK_ENV.resultsQueueUrl]: args.resultsQueueUrl,
    [FRONT_DESK_ENV.deadLetterQueueUrls]: dlqs,
    [FRONT_DESK_ENV.port]: String(FRONT_DESK_PORT),
  }).map(([name, value]) => ({ name, value }));
}

/** The front desk pod: non-root, read-only, no service-account token mounted, on the system nodes. */
export function frontDeskPodSpec(
  args: FrontDeskArgs,
  serviceAccountName: pulumi.Input<string>,
): k8s.types.input.core.v1.PodSpec {
  const probe = (path: string) => ({
    httpGet: { path, port: 'http' },
    periodSeconds: 10,
    timeoutSeconds: 2,
  });
  return {
    serviceAccountName,
    automountServiceAccountToken: false,
    ...SYSTEM_PLACEMENT,
    securityContext: {
      runAsNonRoot: true,
      runAsUser: 65532,
      runAsGroup: 65532,
      seccompProfile: { type: 'RuntimeDefault' },
    },
    containers: [
      {
        name: 'front-desk',
        image: args.image,
        env: frontDeskEnv(args),
        ports: [{ name: 'http', containerPort: FRONT_DESK_PORT }],
        resources: {
          requests: { cpu: '250m', memory: '256Mi' },
          limits: { cpu: '500m', memory: '256Mi' },
        },
        livenessProbe: probe('/healthz'),
        readinessProbe: probe('/healthz'),
        securityContext: {
          allowPrivilegeEscalation: false,
          readOnlyRootFilesystem: true,
          runAsNonRoot: true,
          runAsUser: 65532,
          capabilities: { drop: ['ALL'] },
          seccompProfile: { type: 'RuntimeDefault' },
        },
      },
    ],
  };
}

export class FrontDesk extends pulumi.ComponentResource {
  readonly roleArn: pulumi.Output<string>;

  constructor(name: string, args: FrontDeskArgs, opts?: pulumi.ComponentResourceOptions) {
    super('darkroom:front-desk:FrontDesk', name, {}, opts);
    const labels = {
      'app.kubernetes.io/name': FRONT_DESK_APP,
      'app.kubernetes.io/part-of': 'darkroom',
    };
    const k8sOpts = { parent: this, provider: args.provider };
    const namespace = args.namespace.metadata.name;
    const role = frontDeskRole(name, args, this);
    const serviceAccount = new k8s.core.v1.ServiceAccount(
      `${name}-sa`,
      {
        metadata: {
          name: FRONT_DESK_APP,
          namespace,
          labels,
          annotations: { [IRSA_ANNOTATION]: role.arn },
        },
        automountServiceAccountToken: false,
      },
      k8sOpts,
    );
    new k8s.apps.v1.Deployment(
      `${name}-deployment`,
      {
        metadata: { name: FRONT_DESK_APP, namespace, labels },
        spec: {
          replicas: args.replicas,
          selector: { matchLabels: labels },
          template: {
            metadata: { labels },
            spec: frontDeskPodSpec(args, serviceAccount.metadata.name),
          },
        },
      },
      k8sOpts,
    );
    new k8s.core.v1.Service(
      `${name}-service`,
      {
        metadata: { name: FRONT_DESK_APP, namespace, labels },
        spec: {
          type: 'NodePort',
          selector: labels,
          ports: [{ name: 'http', port: 80, targetPort: 'http', nodePort: FRONT_DESK_NODE_PORT }],
        },
      },
      k8sOpts,
    );
    new k8s.policy.v1.PodDisruptionBudget(
      `${name}-pdb`,
      {
        metadata: { name: FRONT_DESK_APP, namespace, labels },
        spec: { maxUnavailable: 1, selector: { matchLabels: labels } },
      },
      k8sOpts,
    );
    this.roleArn = role.arn;
    this.registerOutputs({ roleArn: this.roleArn });
  }
}

export function createFrontDesk(
  name: string,
  args: FrontDeskArgs,
  opts?: pulumi.ComponentResourceOptions,
): FrontDesk {
  return new FrontDesk(name, args, opts);
}

/**
 * Pulumi mock runtime for the infra tests: records every resource registration (type, name,
 * inputs), returns realistic outputs for resources and for the multi-language components whose
 * children the mocks cannot see (EKS cluster, awsx VPC, managed node group, docker-build image),
 * answers the provider function calls the program makes, and waits for all registrations.
 */
import * as pulumi from '@pulumi/pulumi';
import { MockMonitor } from '@pulumi/pulumi/runtime/mocks.js';

export const ACCOUNT_ID = '123456789012';
export const REGION = 'eu-west-1';
const OIDC_HOST = `oidc.eks.${REGION}.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE`;

export interface RecordedResource {
  readonly type: string;
  readonly name: string;
  readonly inputs: Record<string, unknown>;
  /** URN::id of the explicit provider, when one was passed. */
  readonly provider: string | undefined;
  /** URNs this resource waits for (explicit `dependsOn`, components expanded, and input dependencies). */
  readonly dependencies: readonly string[];
  readonly parent: string;
  readonly ignoreChanges: readonly string[];
  readonly retainOnDelete: boolean;
}

/** What the engine is told besides inputs, captured from the request the mock monitor receives. */
interface RequestDetails {
  getDependenciesList(): string[];
  getParent(): string;
  getIgnorechangesList(): string[];
  getRetainondelete(): boolean | undefined;
}
let currentRequest: RequestDetails | undefined;
const register = MockMonitor.prototype.registerResource;
// The mocks' `newResource` sees only type, name and inputs; ordering lives in the request itself,
// which the monitor hands to `newResource` synchronously.
MockMonitor.prototype.registerResource = function (
  req: RequestDetails,
  callback: Parameters<typeof register>[1],
) {
  currentRequest = req;
  return register.call(this, req, callback);
};

type State = Record<string, unknown>;

/** Strip Pulumi's secret envelopes so assertions see plain values. */
function unsecret(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(unsecret);
  if (value !== null && typeof value === 'object') {
    const obj = value as Record<string, unknown>;
    if ('4dabf18193072939515e22adb298388d' in obj && 'value' in obj) return unsecret(obj['value']);
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, unsecret(v)]));
  }
  return value;
}

function outputsFor(type: string, name: string, inputs: State): State {
  const physical = String(inputs['name'] ?? name);
  switch (type) {
    case 'aws:cloudfront/distribution:Distribution':
      return { domainName: 'd111111abcdef8.cloudfront.net' };
    case 'aws:lb/loadBalancer:LoadBalancer':
      return { dnsName: `internal-${name}.elb.eu-west-1.amazonaws.com` };
    case 'awsx:ec2:Vpc':
      return {
        vpcId: 'vpc-0abc',
        privateSubnetIds: ['subnet-priv-a', 'subnet-priv-b', 'subnet-priv-c'],
        publicSubnetIds: ['subnet-pub-a', 'subnet-pub-b', 'subnet-pub-c'],
        routeTables: [
          { id: 'rtb-pub' },
          { id: 'rtb-priv-a' },
          { id: 'rtb-priv-b' },
          { id: 'rtb-priv-c' },
        ],
      };
    case 'eks:index:Cluster':
      return {
        kubeconfig: { apiVersion: 'v1', kind: 'Config' },
        kubeconfigJson: JSON.stringify({
          apiVersion: 'v1',
          kind: 'Config',
          clusters: [{ name: physical }],
        }),
        oidcProviderArn: `arn:aws:iam::${ACCOUNT_ID}:oidc-provider/${OIDC_HOST}`,
        // pulumi-eks: oidcProviderUrl is the issuer URL (https://…), oidcIssuer the bare host.
        oidcProviderUrl: `https://${OIDC_HOST}`,
        oidcIssuer: OIDC_HOST,
        eksCluster: {
          name: physical,
          arn: `arn:aws:eks:${REGION}:${ACCOUNT_ID}:cluster/${physical}`,
          vpcConfig: { clusterSecurityGroupId: 'sg-cluster' },
        },
        clusterSecurityGroupId: 'sg-cluster',
        nodeSecurityGroupId: 'sg-nodes',
        core: { endpoint: 'https://EXAMPLE.gr7.eu-west-1.eks.amazonaws.com' },
      };
    case 'eks:index:ManagedNodeGroup':
      return {
        nodeGroup: {
          nodeGroupName: `${name}-ng`,
          arn: `arn:aws:eks:${REGION}:${ACCOUNT_ID}:nodegroup/${name}`,
        },
      };
    case 'docker-build:index:Image': {
      const tags = (inputs['tags'] as string[] | undefined) ?? [];
      return {
        ref: `${(tags[0] ?? name).split(':')[0]}@sha256:${'ab'.repeat(32)}`,
        digest: `sha256:${'ab'.repeat(32)}`,
        contextHash: 'hash',
      };
    }
    case 'docker-build:index:Index':
      return { ref: `${String(inputs['tag'])}@sha256:${'cd'.repeat(32)}` };
    case 'aws:sqs/queue:Queue':
      return {
        url: `https://sqs.${REGION}.amazonaws.com/${ACCOUNT_ID}/${physical}`,
        arn: `arn:aws:sqs:${REGION}:${ACCOUNT_ID}:${physical}`,
        name: physical,
      };
    case 'aws:s3/bucket:Bucket': {
      // A fixed `bucket` name is kept; a prefix gets the random suffix AWS would add.
      const bucket = inputs['bucket']
        ? String(inputs['bucket'])
        : `${String(inputs['bucketPrefix'] ?? name)}0123abcd`;
      return { bucket, arn: `arn:aws:s3:::${bucket}` };
    }
    case 'aws:iam/role:Role':
      return { arn: `arn:aws:iam::${ACCOUNT_ID}:role/${physical}`, name: physical };
    case 'aws:iam/instanceProfile:InstanceProfile':
      return { arn: `arn:aws:iam::${ACCOUNT_ID}:instance-profile/${physical}`, name: physical };
    case 'aws:kms/key:Key':
      return { arn: `arn:aws:kms:${REGION}:${ACCOUNT_ID}:key/${name}`, keyId: name };
    case 'aws:ecr/repository:Repository':
      return {
        repositoryUrl: `${ACCOUNT_ID}.dkr.ecr.${REGION}.amazonaws.com/${physical}`,
        registryId: ACCOUNT_ID,
        name: physical,
      };
    case 'aws:ec2/launchTemplate:LaunchTemplate':
      return { latestVersion: 1 };
    case 'aws:sns/topic:Topic':
      return { arn: `arn:aws:sns:${REGION}:${ACCOUNT_ID}:${physical}`, name: physical };
    case 'aws:iam/openIdConnectProvider:OpenIdConnectProvider':
      return {
        arn: `arn:aws:iam::${ACCOUNT_ID}:oidc-provider/${String(inputs['url']).replace(/^https:\/\//, '')}`,
      };
    case 'aws:cloudwatch/eventRule:EventRule':
      return { arn: `arn:aws:events:${REGION}:${ACCOUNT_ID}:rule/${name}`, name };
    default:
      return {};
  }
}

function callResult(token: string): State {
  switch (token) {
    case 'aws:index/getCallerIdentity:getCallerIdentity':
      return {
        accountId: ACCOUNT_ID,
        arn: `arn:aws:iam::${ACCOUNT_ID}:user/test`,
        userId: 'AIDAEXAMPLE',
        id: ACCOUNT_ID,
      };
    case 'aws:index/getPartition:getPartition':
      return { partition: 'aws', dnsSuffix: 'amazonaws.com', id: 'aws' };
    case 'aws:index/getRegion:getRegion':
      return { name: REGION, region: REGION, id: REGION };
    case 'aws:ecr/getAuthorizationToken:getAuthorizationToken':
      return {
        userName: 'AWS',
        password: 'mock-password',
        proxyEndpoint: `https://${ACCOUNT_ID}.dkr.ecr.${REGION}.amazonaws.com`,
        id: ACCOUNT_ID,
      };
    default:
      return {};
  }
}

export interface MockedProgram {
  readonly resources: RecordedResource[];
  readonly calls: string[];
}

/** Install the mocks for `stack`; resources registered afterwards are recorded. */
export async function installMocks(stack: string): Promise<MockedProgram> {
  const recorded: MockedProgram = { resources: [], calls: [] };
  await pulumi.runtime.setMocks(
    {
      newResource(args: pulumi.runtime.MockResourceArgs) {
        const inputs = unsecret(args.inputs) as State;
        recorded.resources.push({
          type: args.type,
          name: args.name,
          inputs,
          provider: args.provider,
          dependencies: currentRequest?.getDependenciesList() ?? [],
          parent: currentRequest?.getParent() ?? '',
          ignoreChanges: currentRequest?.getIgnorechangesList() ?? [],
          retainOnDelete: currentRequest?.getRetainondelete() ?? false,
        });
        return {
          id: `${args.name}-id`,
          state: { ...inputs, ...outputsFor(args.type, args.name, inputs) },
        };
      },
      call(args: pulumi.runtime.MockCallArgs) {
        recorded.calls.push(args.token);
        return callResult(args.token);
      },
    },
    'darkroom',
    stack,
    false,
  );
  return recorded;
}

/** Wait until registrations stop arriving (every Output resolved, every child registered). */
export async function settle(program: MockedProgram, quietMs = 300): Promise<void> {
  let count = -1;
  while (count !== program.resources.length) {
    count = program.resources.length;
    await new Promise((r) => setTimeout(r, quietMs));
  }
}

/** Resources of a type, optionally whose name contains `part`. */
export function ofType(program: MockedProgram, type: string, part?: string): RecordedResource[] {
  return program.resources.filter(
    (r) => r.type === type && (part === undefined || r.name.includes(part)),
  );
}

/** Exactly one resource of a type (and name part); throws otherwise. */
export function one(program: MockedProgram, type: string, part?: string): RecordedResource {
  const found = ofType(program, type, part);
  if (found.length !== 1)
    throw new Error(
      `expected one ${type}${part ? ` named *${part}*` : ''}, found ${found.length}: ${found.map((r) => r.name).join(', ')}`,
    );
  return found[0] as RecordedResource;
}

/** Parse a JSON policy document input. */
export function policyOf(
  resource: RecordedResource,
  field = 'policy',
): {
  Statement: {
    Sid?: string;
    Effect: string;
    Action: string | string[];
    Resource: string | string[];
    Condition?: Record<string, Record<string, unknown>>;
    Principal?: unknown;
  }[];
} {
  const raw = resource.inputs[field];
  return JSON.parse(typeof raw === 'string' ? raw : JSON.stringify(raw));
}

/** Whether `resource` waits for `other` (by URN, which ends in `::<name>`). */
export function waitsFor(resource: RecordedResource, other: RecordedResource): boolean {
  return resource.dependencies.some((urn) => urn.endsWith(`::${other.name}`));
}

export const asArray = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

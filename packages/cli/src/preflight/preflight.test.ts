/**
 * `darkroom preflight --stack dev` with the AWS APIs mocked (aws-sdk-client-mock) by recorded
 * response shapes (test-fixtures/aws): a ready account passes every check; each way an account
 * can be unready fails exactly its check, with the fix, and exit code 2.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeAvailabilityZonesCommand,
  DescribeInstanceTypeOfferingsCommand,
  DescribeInstanceTypesCommand,
  EC2Client,
} from '@aws-sdk/client-ec2';
import {
  DescribeAddonVersionsCommand,
  DescribeClusterCommand,
  EKSClient,
  ResourceNotFoundException,
} from '@aws-sdk/client-eks';
import {
  GetRoleCommand,
  IAMClient,
  NoSuchEntityException,
  SimulatePrincipalPolicyCommand,
} from '@aws-sdk/client-iam';
import { GetServiceQuotaCommand, ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { GetParameterCommand, ParameterNotFound, SSMClient } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import { beforeEach, describe, expect, it } from 'vitest';
import { cli } from '../testing.ts';
import type { PreflightResult } from './preflight.ts';

const fixture = <T>(name: string): T =>
  JSON.parse(
    readFileSync(new URL(`../../test-fixtures/aws/${name}.json`, import.meta.url), 'utf8'),
  ) as T;
const DEV_CONFIG = new URL('../../../../Pulumi.dev.yaml', import.meta.url).pathname;
const $metadata = { httpStatusCode: 400, requestId: 'c4f9e1d2-0000-4a6b-9c1e-example' };

const sts = mockClient(STSClient);
const ssm = mockClient(SSMClient);
const eks = mockClient(EKSClient);
const iam = mockClient(IAMClient);
const quotas = mockClient(ServiceQuotasClient);
const ec2 = mockClient(EC2Client);

type Simulated = { EvalActionName: string; EvalDecision: string };

function readyAccount(): void {
  for (const m of [sts, ssm, eks, iam, quotas, ec2]) m.reset();
  sts.on(GetCallerIdentityCommand).resolves(fixture('get-caller-identity'));
  ssm.on(GetParameterCommand).resolves(fixture('ssm-get-parameter-ami'));
  for (const addon of ['vpc-cni', 'coredns', 'kube-proxy'])
    eks
      .on(DescribeAddonVersionsCommand, { addonName: addon })
      .resolves(fixture(`eks-describe-addon-versions-${addon}`));
  iam
    .on(GetRoleCommand, { RoleName: 'AWSServiceRoleForEC2Spot' })
    .resolves(fixture('iam-get-role-spot'));
  const template = fixture<{ EvaluationResults: Simulated[] }>('iam-simulate-principal-policy')
    .EvaluationResults[0];
  iam.on(SimulatePrincipalPolicyCommand).callsFake((input: { ActionNames: string[] }) => ({
    EvaluationResults: input.ActionNames.map((a) => ({ ...template, EvalActionName: a })),
    IsTruncated: false,
  }));
  quotas
    .on(GetServiceQuotaCommand, { QuotaCode: 'L-34B43A08' })
    .resolves(fixture('service-quotas-spot'));
  quotas
    .on(GetServiceQuotaCommand, { QuotaCode: 'L-1216C47A' })
    .resolves(fixture('service-quotas-on-demand'));
  ec2.on(DescribeInstanceTypesCommand).resolves(fixture('ec2-describe-instance-types'));
  ec2.on(DescribeAvailabilityZonesCommand).resolves(fixture('ec2-describe-availability-zones'));
  ec2
    .on(DescribeInstanceTypeOfferingsCommand)
    .resolves(fixture('ec2-describe-instance-type-offerings'));
}

async function preflight(): Promise<{ code: number; result: PreflightResult; text: string }> {
  const json = await cli(['--stack', 'dev', '--json', 'preflight', '--config', DEV_CONFIG]);
  const text = await cli(['--stack', 'dev', 'preflight', '--config', DEV_CONFIG]);
  expect(text.code).toBe(json.code);
  return { code: json.code, result: JSON.parse(json.stdout) as PreflightResult, text: text.stdout };
}

const failing = (r: PreflightResult) => r.checks.filter((c) => !c.ok);

beforeEach(readyAccount);

describe('darkroom preflight', () => {
  it('passes every check on a ready account, with the values of the stack config', async () => {
    const { code, result, text } = await preflight();
    expect(failing(result)).toEqual([]);
    expect(code).toBe(0);
    expect(result.region).toBe('eu-west-1');
    expect(result.checks.map((c) => c.check)).toEqual([
      'credentials',
      'kubernetes support',
      'ami-alias al2023@v20260714 (amd64)',
      'addon vpc-cni v1.20.4-eksbuild.1',
      'addon coredns v1.14.3-eksbuild.3',
      'addon kube-proxy v1.35.3-eksbuild.13',
      'spot service-linked role',
      'spot vCPU quota',
      'on-demand vCPU quota',
      'system instance types offered in every AZ',
      'permissions to create the stack',
      'cluster creator not in clusterAdmins',
    ]);
    expect(ssm.commandCalls(GetParameterCommand)[0]?.args[0].input.Name).toBe(
      '/aws/service/eks/optimized-ami/1.35/amazon-linux-2023/x86_64/standard/amazon-eks-node-al2023-x86_64-standard-1.35-v20260714/image_id',
    );
    // Simulated as the role behind the assumed-role session.
    expect(iam.commandCalls(SimulatePrincipalPolicyCommand)[0]?.args[0].input.PolicySourceArn).toBe(
      'arn:aws:iam::123456789012:role/DarkroomDeployer',
    );
    expect(text).toMatch(/^PASS {2}on-demand vCPU quota: 1152 vCPU ≥ 70 needed/m);
    expect(text).toMatch(/ready for pulumi up/);
  });

  it('fails the credentials and permission checks when there are no credentials', async () => {
    sts.on(GetCallerIdentityCommand).rejects(
      Object.assign(new Error('Could not load credentials from any providers'), {
        name: 'CredentialsProviderError',
      }),
    );
    const { code, result } = await preflight();
    expect(code).toBe(2);
    expect(failing(result).map((c) => c.check)).toEqual([
      'credentials',
      'permissions to create the stack',
      'cluster creator not in clusterAdmins',
    ]);
    expect(failing(result)[0]?.fix).toMatch(/configure AWS credentials/);
  });

  it('fails when the identity that will create the cluster is also in clusterAdmins (409 on the first up)', async () => {
    const config = join(mkdtempSync(join(tmpdir(), 'darkroom-preflight-')), 'Pulumi.dev.yaml');
    const me = 'arn:aws:iam::123456789012:role/DarkroomDeployer';
    writeFileSync(
      config,
      readFileSync(DEV_CONFIG, 'utf8').replace(
        '  darkroom:clusterName: darkroom-dev\n',
        `  darkroom:clusterName: darkroom-dev\n  darkroom:clusterAdmins: ["${me}"]\n`,
      ),
    );
    eks.on(DescribeClusterCommand).rejects(
      new ResourceNotFoundException({
        message: 'No cluster found for name: darkroom-dev.',
        $metadata,
      }),
    );
    const run = await cli(['--stack', 'dev', '--json', 'preflight', '--config', config]);
    const result = JSON.parse(run.stdout) as PreflightResult;
    expect(failing(result).map((c) => c.check)).toEqual(['cluster creator not in clusterAdmins']);
    expect(failing(result)[0]?.fix).toContain(`remove ${me} from darkroom:clusterAdmins`);
    // Once the cluster exists, its creator's entry is EKS's, and listing the role is harmless.
    eks.on(DescribeClusterCommand).resolves({ cluster: { name: 'darkroom-dev' } });
    const later = JSON.parse(
      (await cli(['--stack', 'dev', '--json', 'preflight', '--config', config])).stdout,
    ) as PreflightResult;
    expect(failing(later)).toEqual([]);
  });

  it('fails the AMI check when the pinned alias does not resolve, naming the parameter path to list', async () => {
    ssm.on(GetParameterCommand).rejects(new ParameterNotFound({ message: '', $metadata }));
    const { result } = await preflight();
    expect(failing(result)).toHaveLength(1);
    expect(failing(result)[0]).toMatchObject({ check: 'ami-alias al2023@v20260714 (amd64)' });
    expect(failing(result)[0]?.fix).toMatch(
      /amiAlias .*get-parameters-by-path --path \/aws\/service\/eks\/optimized-ami\/1\.35\/amazon-linux-2023\/x86_64\//,
    );
  });

  it('fails an add-on pinned to a version EKS does not offer, suggesting the default one', async () => {
    const offered = fixture<{ addons: { addonVersions: { addonVersion: string }[] }[] }>(
      'eks-describe-addon-versions-kube-proxy',
    );
    offered.addons[0]?.addonVersions.splice(1, 1); // v1.35.3-eksbuild.13 withdrawn
    eks.on(DescribeAddonVersionsCommand, { addonName: 'kube-proxy' }).resolves(offered);
    const { result } = await preflight();
    expect(failing(result).map((c) => c.check)).toEqual(['addon kube-proxy v1.35.3-eksbuild.13']);
    expect(failing(result)[0]?.fix).toMatch(
      /darkroom:addonVersions\.kubeProxy .*v1\.35\.3-eksbuild\.14/,
    );
  });

  it('fails when the EC2 Spot service-linked role is missing, with the command that creates it', async () => {
    iam.on(GetRoleCommand).rejects(
      new NoSuchEntityException({
        message: 'The role with name AWSServiceRoleForEC2Spot cannot be found.',
        $metadata,
      }),
    );
    const { result } = await preflight();
    expect(failing(result).map((c) => c.check)).toEqual(['spot service-linked role']);
    expect(failing(result)[0]?.fix).toBe(
      'aws iam create-service-linked-role --aws-service-name spot.amazonaws.com',
    );
  });

  it('fails a vCPU quota below the NodePool limit (spot) or the limit plus system nodes (on-demand)', async () => {
    const spot = fixture<{ Quota: { Value: number } }>('service-quotas-spot');
    spot.Quota.Value = 32; // a new account's default is small
    const onDemand = fixture<{ Quota: { Value: number } }>('service-quotas-on-demand');
    onDemand.Quota.Value = 68; // ≥ cpuLimit 64 but not + 3 system nodes × 2 vCPU
    quotas.on(GetServiceQuotaCommand, { QuotaCode: 'L-34B43A08' }).resolves(spot);
    quotas.on(GetServiceQuotaCommand, { QuotaCode: 'L-1216C47A' }).resolves(onDemand);
    const { result } = await preflight();
    expect(failing(result).map((c) => [c.check, c.detail])).toEqual([
      ['spot vCPU quota', '32 vCPU < 64 needed (NodePool cpuLimit 64)'],
      ['on-demand vCPU quota', '68 vCPU < 70 needed (cpuLimit 64 + 3 system nodes = 6 vCPU)'],
    ]);
    expect(failing(result)[0]?.fix).toMatch(/--quota-code L-34B43A08 --desired-value 64/);
  });

  it('fails when an AZ of the stack offers none of the system instance types', async () => {
    const offerings = fixture<{ InstanceTypeOfferings: { Location: string }[] }>(
      'ec2-describe-instance-type-offerings',
    );
    offerings.InstanceTypeOfferings = offerings.InstanceTypeOfferings.filter(
      (o) => o.Location !== 'eu-west-1c',
    );
    ec2.on(DescribeInstanceTypeOfferingsCommand).resolves(offerings);
    const { result } = await preflight();
    expect(failing(result).map((c) => c.detail)).toEqual([
      'none of m7i.large, m6i.large is offered in eu-west-1c',
    ]);
  });

  it('fails when the caller may not create part of the stack, listing the denied actions', async () => {
    iam.on(SimulatePrincipalPolicyCommand).callsFake((input: { ActionNames: string[] }) => ({
      EvaluationResults: input.ActionNames.map((a) => ({
        EvalActionName: a,
        EvalResourceName: '*',
        EvalDecision: a.startsWith('iam:') && a !== 'iam:PassRole' ? 'implicitDeny' : 'allowed',
      })),
      IsTruncated: false,
    }));
    const { result } = await preflight();
    expect(failing(result).map((c) => c.check)).toEqual(['permissions to create the stack']);
    expect(failing(result)[0]?.detail).toBe(
      'denied: iam:CreateRole (implicitDeny), iam:PutRolePolicy (implicitDeny), iam:AttachRolePolicy (implicitDeny), iam:CreateInstanceProfile (implicitDeny), iam:CreateOpenIDConnectProvider (implicitDeny)',
    );
  });

  it("asks for the front desk's CloudFront and load balancer too, so a deploy does not stop half-way at them", async () => {
    iam.on(SimulatePrincipalPolicyCommand).callsFake((input: { ActionNames: string[] }) => ({
      EvaluationResults: input.ActionNames.map((a) => ({
        EvalActionName: a,
        EvalResourceName: '*',
        EvalDecision: a.startsWith('cloudfront:') ? 'implicitDeny' : 'allowed',
      })),
      IsTruncated: false,
    }));
    const { result } = await preflight();
    expect(failing(result)[0]?.detail).toBe(
      'denied: cloudfront:CreateDistribution (implicitDeny), cloudfront:CreateVpcOrigin (implicitDeny)',
    );
  });

  it('a check that cannot run fails, never passes by default', async () => {
    ec2.on(DescribeAvailabilityZonesCommand).rejects(
      Object.assign(new Error('You are not authorized to perform this operation.'), {
        name: 'UnauthorizedOperation',
      }),
    );
    const { result } = await preflight();
    expect(failing(result)).toMatchObject([
      { check: 'system instance types offered in every AZ', detail: /UnauthorizedOperation/ },
    ]);
  });

  it('refuses a stack config the program would reject, naming the key (exit 64)', async () => {
    const { writeFileSync, mkdtempSync } = await import('node:fs');
    const { join } = await import('node:path');
    const { tmpdir } = await import('node:os');
    const bad = join(mkdtempSync(join(tmpdir(), 'darkroom-pf-')), 'Pulumi.bad.yaml');
    writeFileSync(
      bad,
      'config:\n  aws:region: eu-west-1\n  darkroom:clusterName: darkroom-x\n  darkroom:karpenter:\n    amiAlias: al2023@latest\n',
    );
    const run = await cli(['--stack', 'bad', 'preflight', '--config', bad]);
    expect(run.code).toBe(64);
    expect(run.stderr).toMatch(/darkroom:karpenter\.amiAlias must pin an AMI alias/);
    expect((await cli(['preflight'])).code).toBe(64);
  });
});

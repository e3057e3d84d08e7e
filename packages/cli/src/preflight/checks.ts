/**
 * The preflight checks: each reads the account with the AWS SDK and returns pass or fail with
 * the fix. A check that cannot run (access denied, throttled) fails with the reason; it never
 * passes by default.
 */
import { DescribeAddonVersionsCommand } from '@aws-sdk/client-eks';
import { GetRoleCommand } from '@aws-sdk/client-iam';
import { GetParameterCommand } from '@aws-sdk/client-ssm';
import { GetCallerIdentityCommand } from '@aws-sdk/client-sts';
import { type StackConfig, addonVersionsFor } from '@darkroom/infra/config';
import type { PreflightClients } from './clients.ts';

export interface CheckResult {
  readonly check: string;
  readonly ok: boolean;
  readonly detail: string;
  /** What to do when it fails (or, with `warning`, soon will). */
  readonly fix?: string;
  /** Passes today but needs action soon (printed WARN). */
  readonly warning?: boolean;
}

const pass = (check: string, detail: string): CheckResult => ({ check, ok: true, detail });
const fail = (check: string, detail: string, fix: string): CheckResult => ({
  check,
  ok: false,
  detail,
  fix,
});
/** A check that needs the caller's identity, when the credentials check found none. */
export const withoutCaller = (check: string): CheckResult =>
  fail(check, 'no caller identity', 'fix the credentials check first');
const why = (error: unknown) => `${(error as Error).name}: ${(error as Error).message}`;

export async function checkCredentials(
  c: PreflightClients,
): Promise<CheckResult & { arn?: string }> {
  try {
    const id = await c.sts.send(new GetCallerIdentityCommand({}));
    return {
      ...pass('credentials', `account ${id.Account}, ${id.Arn}`),
      ...(id.Arn ? { arn: id.Arn } : {}),
    };
  } catch (error) {
    return fail(
      'credentials',
      why(error),
      'configure AWS credentials (AWS_PROFILE, `aws sso login`, or environment variables) for the target account',
    );
  }
}

/** The SSM parameter Karpenter resolves a pinned AMI alias to, per architecture. */
export function amiParameter(
  alias: string,
  kubernetesVersion: string,
  arch: 'amd64' | 'arm64',
): string {
  const [family, version = ''] = alias.split('@');
  const cpu = arch === 'amd64' ? 'x86_64' : 'arm64';
  if (family === 'bottlerocket')
    return `/aws/service/bottlerocket/aws-k8s-${kubernetesVersion}/${cpu}/${version.replace(/^v/, '')}/image_id`;
  return `/aws/service/eks/optimized-ami/${kubernetesVersion}/amazon-linux-2023/${cpu}/standard/amazon-eks-node-al2023-${cpu}-standard-${kubernetesVersion}-${version}/image_id`;
}

export async function checkAmiAlias(
  c: PreflightClients,
  config: StackConfig,
): Promise<CheckResult[]> {
  const { amiAlias, architectures } = config.karpenter;
  return Promise.all(
    architectures.map(async (arch) => {
      const name = amiParameter(amiAlias, config.kubernetesVersion, arch);
      const check = `ami-alias ${amiAlias} (${arch})`;
      try {
        const { Parameter } = await c.ssm.send(new GetParameterCommand({ Name: name }));
        return pass(check, `${name} → ${Parameter?.Value}`);
      } catch (error) {
        return fail(
          check,
          `${name}: ${why(error)}`,
          `set darkroom:karpenter.amiAlias to a release that exists for Kubernetes ${config.kubernetesVersion} (aws ssm get-parameters-by-path --path ${name.split('/').slice(0, 8).join('/')}/)`,
        );
      }
    }),
  );
}

const ADDONS = [
  ['vpc-cni', 'vpcCni'],
  ['coredns', 'coredns'],
  ['kube-proxy', 'kubeProxy'],
] as const;

export async function checkAddonVersions(
  c: PreflightClients,
  config: StackConfig,
): Promise<CheckResult[]> {
  return Promise.all(
    ADDONS.map(async ([addonName, key]) => {
      const pinned = addonVersionsFor(config)[key];
      const check = `addon ${addonName} ${pinned}`;
      try {
        const { addons = [] } = await c.eks.send(
          new DescribeAddonVersionsCommand({
            addonName,
            kubernetesVersion: config.kubernetesVersion,
          }),
        );
        const versions = addons.flatMap((a) => a.addonVersions ?? []);
        if (versions.some((v) => v.addonVersion === pinned))
          return pass(check, `available for Kubernetes ${config.kubernetesVersion}`);
        const latest =
          versions.find((v) => v.compatibilities?.some((x) => x.defaultVersion))?.addonVersion ??
          versions[0]?.addonVersion;
        return fail(
          check,
          `not offered for Kubernetes ${config.kubernetesVersion}`,
          `set darkroom:addonVersions.${key} to an offered version${latest ? `, e.g. ${latest}` : ''} (aws eks describe-addon-versions --addon-name ${addonName} --kubernetes-version ${config.kubernetesVersion})`,
        );
      } catch (error) {
        return fail(
          check,
          why(error),
          'allow eks:DescribeAddonVersions, or check the version by hand',
        );
      }
    }),
  );
}

export async function checkSpotRole(c: PreflightClients): Promise<CheckResult> {
  const check = 'spot service-linked role';
  try {
    await c.iam.send(new GetRoleCommand({ RoleName: 'AWSServiceRoleForEC2Spot' }));
    return pass(check, 'AWSServiceRoleForEC2Spot exists');
  } catch (error) {
    if ((error as Error).name === 'NoSuchEntityException')
      return fail(
        check,
        'AWSServiceRoleForEC2Spot does not exist and the stack does not create it; Karpenter cannot launch spot nodes without it',
        'aws iam create-service-linked-role --aws-service-name spot.amazonaws.com',
      );
    return fail(check, why(error), 'allow iam:GetRole, or check the role by hand');
  }
}

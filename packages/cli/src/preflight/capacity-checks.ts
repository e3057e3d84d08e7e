/** Preflight checks of capacity: vCPU quotas and instance type offerings in the stack's AZs. */
import {
  DescribeAvailabilityZonesCommand,
  DescribeInstanceTypeOfferingsCommand,
  DescribeInstanceTypesCommand,
} from '@aws-sdk/client-ec2';
import { GetServiceQuotaCommand } from '@aws-sdk/client-service-quotas';
import type { StackConfig } from '@darkroom/infra/config';
import type { CheckResult } from './checks.ts';
import type { PreflightClients } from './clients.ts';

/** EC2 vCPU quotas (Service Quotas codes) for standard instance families (A, C, D, H, I, M, R, T, Z). */
export const VCPU_QUOTAS = {
  spot: {
    code: 'L-34B43A08',
    name: 'All Standard (A, C, D, H, I, M, R, T, Z) Spot Instance Requests',
  },
  onDemand: {
    code: 'L-1216C47A',
    name: 'Running On-Demand Standard (A, C, D, H, I, M, R, T, Z) instances',
  },
} as const;

const why = (error: unknown) => `${(error as Error).name}: ${(error as Error).message}`;

/** vCPUs in a Kubernetes CPU quantity ("64", "500m"). */
export function vcpusOf(quantity: string): number {
  return quantity.endsWith('m') ? Number(quantity.slice(0, -1)) / 1000 : Number(quantity);
}

async function systemNodeVcpus(c: PreflightClients, config: StackConfig): Promise<number> {
  const { InstanceTypes = [] } = await c.ec2.send(
    new DescribeInstanceTypesCommand({
      Filters: [{ Name: 'instance-type', Values: [...config.systemNodes.instanceTypes] }],
    }),
  );
  const largest = Math.max(0, ...InstanceTypes.map((t) => t.VCpuInfo?.DefaultVCpus ?? 0));
  return largest * config.systemNodes.max;
}

async function quotaCheck(
  c: PreflightClients,
  kind: keyof typeof VCPU_QUOTAS,
  needed: number,
  why_: string,
): Promise<CheckResult> {
  const q = VCPU_QUOTAS[kind];
  const check = `${kind === 'spot' ? 'spot' : 'on-demand'} vCPU quota`;
  try {
    const { Quota } = await c.quotas.send(
      new GetServiceQuotaCommand({ ServiceCode: 'ec2', QuotaCode: q.code }),
    );
    const value = Quota?.Value ?? 0;
    if (value >= needed)
      return { check, ok: true, detail: `${value} vCPU ≥ ${needed} needed (${why_})` };
    return {
      check,
      ok: false,
      detail: `${value} vCPU < ${needed} needed (${why_})`,
      fix: `aws service-quotas request-service-quota-increase --service-code ec2 --quota-code ${q.code} --desired-value ${needed}  (or lower darkroom:karpenter.cpuLimit)`,
    };
  } catch (error) {
    return {
      check,
      ok: false,
      detail: why(error),
      fix: `allow servicequotas:GetServiceQuota, or check "${q.name}" in the Service Quotas console`,
    };
  }
}

/**
 * Spot must cover the NodePool's CPU limit (all workers may be spot); on-demand must cover the
 * limit too (Karpenter falls back to on-demand when spot is short) plus the on-demand system nodes at their max.
 */
export async function checkQuotas(
  c: PreflightClients,
  config: StackConfig,
): Promise<CheckResult[]> {
  const workers = vcpusOf(config.karpenter.cpuLimit);
  let system: number;
  try {
    system = await systemNodeVcpus(c, config);
  } catch (error) {
    return [
      {
        check: 'vCPU quotas',
        ok: false,
        detail: why(error),
        fix: 'allow ec2:DescribeInstanceTypes',
      },
    ];
  }
  return Promise.all([
    quotaCheck(c, 'spot', workers, `NodePool cpuLimit ${config.karpenter.cpuLimit}`),
    quotaCheck(
      c,
      'onDemand',
      workers + system,
      `cpuLimit ${workers} + ${config.systemNodes.max} system nodes = ${system} vCPU`,
    ),
  ]);
}

/** The AZs the VPC will use: the region's first N available, as awsx picks them. */
async function stackZones(c: PreflightClients, count: number): Promise<string[]> {
  const { AvailabilityZones = [] } = await c.ec2.send(
    new DescribeAvailabilityZonesCommand({ Filters: [{ Name: 'state', Values: ['available'] }] }),
  );
  return AvailabilityZones.filter(
    (z) => z.ZoneType === undefined || z.ZoneType === 'availability-zone',
  )
    .map((z) => z.ZoneName ?? '')
    .sort()
    .slice(0, count);
}

export async function checkInstanceOfferings(
  c: PreflightClients,
  config: StackConfig,
): Promise<CheckResult> {
  const check = 'system instance types offered in every AZ';
  const types = config.systemNodes.instanceTypes;
  try {
    const zones = await stackZones(c, config.network.availabilityZones);
    const { InstanceTypeOfferings = [] } = await c.ec2.send(
      new DescribeInstanceTypeOfferingsCommand({
        LocationType: 'availability-zone',
        Filters: [
          { Name: 'instance-type', Values: [...types] },
          { Name: 'location', Values: zones },
        ],
      }),
    );
    const offered = new Set(InstanceTypeOfferings.map((o) => o.Location));
    const missing = zones.filter((z) => !offered.has(z));
    if (zones.length < config.network.availabilityZones)
      return {
        check,
        ok: false,
        detail: `the region has ${zones.length} AZs, the stack wants ${config.network.availabilityZones}`,
        fix: `set darkroom:network.availabilityZones to ${zones.length}`,
      };
    if (missing.length === 0)
      return { check, ok: true, detail: `${types.join(', ')} in ${zones.join(', ')}` };
    return {
      check,
      ok: false,
      detail: `none of ${types.join(', ')} is offered in ${missing.join(', ')}`,
      fix: `add an instance type offered there to darkroom:systemNodes.instanceTypes (aws ec2 describe-instance-type-offerings --location-type availability-zone --filters Name=location,Values=${missing[0]})`,
    };
  } catch (error) {
    return {
      check,
      ok: false,
      detail: why(error),
      fix: 'allow ec2:DescribeAvailabilityZones and ec2:DescribeInstanceTypeOfferings',
    };
  }
}

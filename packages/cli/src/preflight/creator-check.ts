/**
 * The identity that creates a cluster is its admin already: pulumi-eks 4.3 hard-codes
 * `bootstrapClusterCreatorAdminPermissions: true` (nodejs/eks/cluster/cluster.ts), so an access
 * entry for the same principal in `clusterAdmins` fails the first `up` with 409
 * ResourceInUseException (pulumi/pulumi-eks#2373) — exactly the CI deploy role on the first
 * push to main. Caught here, before the cluster exists.
 */
import { DescribeClusterCommand } from '@aws-sdk/client-eks';
import type { StackConfig } from '@darkroom/infra/config';
import { type CheckResult, withoutCaller } from './checks.ts';
import type { PreflightClients } from './clients.ts';

/** `arn:aws:sts::1:assumed-role/Name/session` → the role's name (`Name`); a user ARN as is. */
export function callerRoleName(callerArn: string): string | undefined {
  return /^arn:aws[a-z-]*:sts::\d{12}:assumed-role\/([^/]+)\//.exec(callerArn)?.[1];
}

/** The clusterAdmins entry that names the caller, if any (role ARNs may carry a path). */
export function creatorListedAsAdmin(config: StackConfig, callerArn: string): string | undefined {
  const role = callerRoleName(callerArn);
  return config.clusterAdmins.find((arn) =>
    role ? arn.endsWith(`:role/${role}`) || arn.endsWith(`/${role}`) : arn === callerArn,
  );
}

export async function checkCreatorNotListed(
  c: PreflightClients,
  config: StackConfig,
  callerArn: string | undefined,
): Promise<CheckResult> {
  const check = 'cluster creator not in clusterAdmins';
  if (!callerArn) return withoutCaller(check);
  const listed = creatorListedAsAdmin(config, callerArn);
  if (!listed) return { check, ok: true, detail: `${callerArn} is not listed` };
  try {
    await c.eks.send(new DescribeClusterCommand({ name: config.clusterName }));
    return {
      check,
      ok: true,
      detail: `${config.clusterName} exists: its creator's entry is not this program's to make`,
    };
  } catch (error) {
    if ((error as Error).name !== 'ResourceNotFoundException')
      return {
        check,
        ok: false,
        detail: `${(error as Error).name}: ${(error as Error).message}`,
        fix: 'allow eks:DescribeCluster',
      };
  }
  return {
    check,
    ok: false,
    detail: `${config.clusterName} does not exist yet and ${listed} (you) is in clusterAdmins: creating the cluster makes you its admin, and the extra access entry then fails with 409 ResourceInUseException`,
    fix: `remove ${listed} from darkroom:clusterAdmins for the first up (add it back only if another identity will own the cluster)`,
  };
}

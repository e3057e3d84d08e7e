/**
 * Can the caller create what the program creates? Asked of IAM's policy simulator for the
 * caller's principal (an assumed-role session is simulated as its role).
 */
import { SimulatePrincipalPolicyCommand } from '@aws-sdk/client-iam';
import type { StackConfig } from '@darkroom/infra/config';
import { type CheckResult, withoutCaller } from './checks.ts';
import type { PreflightClients } from './clients.ts';

/** One create action per kind of resource `pulumi up` makes (VPC, EKS, IAM, S3, SQS, ECR, EventBridge, alarms, the front desk's CloudFront and NLB). */
export function requiredActions(config: StackConfig): string[] {
  return [
    'ec2:CreateVpc',
    'ec2:CreateSubnet',
    'ec2:CreateNatGateway',
    'ec2:AllocateAddress',
    'ec2:CreateLaunchTemplate',
    'eks:CreateCluster',
    'eks:CreateNodegroup',
    'eks:CreateAddon',
    'eks:CreateAccessEntry',
    'iam:CreateRole',
    'iam:PutRolePolicy',
    'iam:AttachRolePolicy',
    'iam:PassRole',
    'iam:CreateInstanceProfile',
    'iam:CreateOpenIDConnectProvider',
    's3:CreateBucket',
    's3:PutBucketNotification',
    's3:PutBucketPolicy',
    'sqs:CreateQueue',
    'sqs:SetQueueAttributes',
    'ecr:CreateRepository',
    'events:PutRule',
    'events:PutTargets',
    'cloudwatch:PutMetricAlarm',
    'cloudwatch:PutDashboard',
    ...(config.storage.encryption === 'sse-kms' ? ['kms:CreateKey'] : []),
    // The front desk's exposure: CloudFront, its VPC origin, an internal NLB on the system nodes.
    ...(config.frontDesk.enabled
      ? [
          'cloudfront:CreateDistribution',
          'cloudfront:CreateVpcOrigin',
          'elasticloadbalancing:CreateLoadBalancer',
          'elasticloadbalancing:CreateTargetGroup',
          'autoscaling:AttachLoadBalancerTargetGroups',
          'ec2:CreateSecurityGroup',
        ]
      : []),
  ];
}

/** `arn:aws:sts::1:assumed-role/Admin/me` → `arn:aws:iam::1:role/Admin` (role paths are not in the session ARN). */
export function principalOf(callerArn: string): string {
  const m = /^arn:(aws[\w-]*):sts::(\d+):assumed-role\/([^/]+)\//.exec(callerArn);
  return m ? `arn:${m[1]}:iam::${m[2]}:role/${m[3]}` : callerArn;
}

export async function checkPermissions(
  c: PreflightClients,
  config: StackConfig,
  callerArn: string | undefined,
): Promise<CheckResult> {
  const check = 'permissions to create the stack';
  if (!callerArn) return withoutCaller(check);
  if (/:root$/.test(callerArn))
    return {
      check,
      ok: true,
      detail: 'the root user may do everything (use an admin role instead)',
    };
  const actions = requiredActions(config);
  try {
    const denied: string[] = [];
    let marker: string | undefined;
    do {
      const page = await c.iam.send(
        new SimulatePrincipalPolicyCommand({
          PolicySourceArn: principalOf(callerArn),
          ActionNames: actions,
          Marker: marker,
        }),
      );
      for (const r of page.EvaluationResults ?? [])
        if (r.EvalDecision !== 'allowed') denied.push(`${r.EvalActionName} (${r.EvalDecision})`);
      marker = page.IsTruncated ? page.Marker : undefined;
    } while (marker);
    if (denied.length === 0)
      return {
        check,
        ok: true,
        detail: `${actions.length} create actions allowed for ${principalOf(callerArn)}`,
      };
    return {
      check,
      ok: false,
      detail: `denied: ${denied.join(', ')}`,
      fix: `grant ${principalOf(callerArn)} these actions (an admin role is simplest for the first deploy)`,
    };
  } catch (error) {
    return {
      check,
      ok: false,
      detail: `${(error as Error).name}: ${(error as Error).message}`,
      fix: 'allow iam:SimulatePrincipalPolicy on your own principal, or verify the permissions by hand',
    };
  }
}

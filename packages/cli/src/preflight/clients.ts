/** The AWS APIs preflight reads, in the stack's region, with the SDK's default credential chain. */
import { EC2Client } from '@aws-sdk/client-ec2';
import { EKSClient } from '@aws-sdk/client-eks';
import { IAMClient } from '@aws-sdk/client-iam';
import { ServiceQuotasClient } from '@aws-sdk/client-service-quotas';
import { SSMClient } from '@aws-sdk/client-ssm';
import { STSClient } from '@aws-sdk/client-sts';

export interface PreflightClients {
  readonly sts: STSClient;
  readonly ssm: SSMClient;
  readonly eks: EKSClient;
  readonly iam: IAMClient;
  readonly quotas: ServiceQuotasClient;
  readonly ec2: EC2Client;
}

export function preflightClients(region: string): PreflightClients {
  return {
    sts: new STSClient({ region }),
    ssm: new SSMClient({ region }),
    eks: new EKSClient({ region }),
    iam: new IAMClient({ region }),
    quotas: new ServiceQuotasClient({ region }),
    ec2: new EC2Client({ region }),
  };
}

export function destroyPreflightClients(c: PreflightClients): void {
  for (const client of Object.values(c)) client.destroy();
}

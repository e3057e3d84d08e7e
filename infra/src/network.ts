/** Network: a VPC over several AZs with private subnets for nodes and public ones for load balancers. */
import * as aws from '@pulumi/aws';
import * as awsx from '@pulumi/awsx';
import * as pulumi from '@pulumi/pulumi';

export interface NetworkArgs {
  readonly clusterName: string;
  readonly cidrBlock: string;
  readonly availabilityZones: number;
  /** One NAT gateway (dev, cheap) or one per AZ (prod, survives a zone outage). */
  readonly natGateways: 'single' | 'onePerAz';
  /** Route S3 (and so ECR layers) through a free gateway endpoint instead of the NAT gateway. */
  readonly s3GatewayEndpoint: boolean;
}

export class Network extends pulumi.ComponentResource {
  readonly vpcId: pulumi.Output<string>;
  readonly privateSubnetIds: pulumi.Output<string[]>;
  readonly publicSubnetIds: pulumi.Output<string[]>;

  constructor(name: string, args: NetworkArgs, opts?: pulumi.ComponentResourceOptions) {
    super('darkroom:network:Network', name, {}, opts);
    const clusterTag = { [`kubernetes.io/cluster/${args.clusterName}`]: 'shared' };
    const vpc = new awsx.ec2.Vpc(
      `${name}-vpc`,
      {
        cidrBlock: args.cidrBlock,
        numberOfAvailabilityZones: args.availabilityZones,
        enableDnsHostnames: true,
        enableDnsSupport: true,
        natGateways: { strategy: args.natGateways === 'single' ? 'Single' : 'OnePerAz' },
        subnetStrategy: 'Auto',
        subnetSpecs: [
          // Karpenter finds node subnets by the discovery tag; the ELB role tags place load balancers.
          {
            type: 'Private',
            cidrMask: 19,
            tags: {
              ...clusterTag,
              'kubernetes.io/role/internal-elb': '1',
              'karpenter.sh/discovery': args.clusterName,
            },
          },
          { type: 'Public', cidrMask: 22, tags: { ...clusterTag, 'kubernetes.io/role/elb': '1' } },
        ],
        tags: { Name: `${args.clusterName}-vpc` },
      },
      { parent: this },
    );
    if (args.s3GatewayEndpoint) {
      const region = aws.getRegionOutput({}, { parent: this }).name;
      new aws.ec2.VpcEndpoint(
        `${name}-s3`,
        {
          vpcId: vpc.vpcId,
          serviceName: pulumi.interpolate`com.amazonaws.${region}.s3`,
          vpcEndpointType: 'Gateway',
          routeTableIds: vpc.routeTables.apply((tables) => pulumi.all(tables.map((t) => t.id))),
          tags: { Name: `${args.clusterName}-s3` },
        },
        { parent: this },
      );
    }
    this.vpcId = vpc.vpcId;
    this.privateSubnetIds = vpc.privateSubnetIds;
    this.publicSubnetIds = vpc.publicSubnetIds;
    this.registerOutputs({
      vpcId: this.vpcId,
      privateSubnetIds: this.privateSubnetIds,
      publicSubnetIds: this.publicSubnetIds,
    });
  }
}

/**
 * Create the VPC.
 * @example createNetwork('network', { clusterName: 'darkroom-dev', cidrBlock: '10.40.0.0/16', availabilityZones: 3, natGateways: 'single', s3GatewayEndpoint: true })
 */
export function createNetwork(
  name: string,
  args: NetworkArgs,
  opts?: pulumi.ComponentResourceOptions,
): Network {
  return new Network(name, args, opts);
}

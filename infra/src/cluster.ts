/**
 * Cluster: EKS (API authentication mode, OIDC for IRSA, control-plane logs, KMS envelope
 * encryption of secrets, pinned version and managed add-ons) without a default node group,
 * plus the Kubernetes provider every in-cluster resource uses.
 */
import * as aws from '@pulumi/aws';
import * as eks from '@pulumi/eks';
import * as k8s from '@pulumi/kubernetes';
import * as pulumi from '@pulumi/pulumi';
import type { ControlPlaneLogType } from './cluster-logs.ts';

export interface ClusterArgs {
  readonly clusterName: string;
  readonly kubernetesVersion: string;
  /** EKS upgrade policy once the minor leaves standard support (the API defaults to EXTENDED). */
  readonly supportType: 'STANDARD' | 'EXTENDED';
  readonly vpcId: pulumi.Input<string>;
  readonly privateSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
  readonly publicSubnetIds: pulumi.Input<pulumi.Input<string>[]>;
  readonly endpointPublicAccess: boolean;
  readonly endpointPrivateAccess: boolean;
  readonly publicAccessCidrs: readonly string[];
  readonly addonVersions: { readonly vpcCni: string; readonly kubeProxy: string };
  /** IAM principals given cluster-admin (besides the identity that creates the cluster). */
  readonly clusterAdmins: readonly string[];
  /** Control-plane log types sent to CloudWatch, and how long they are kept. */
  readonly controlPlaneLogs: {
    readonly types: readonly ControlPlaneLogType[];
    readonly retentionDays: number;
  };
  /** IAM principals given read-only access (no Secrets), e.g. the CI preview role. */
  readonly clusterViewers?: readonly pulumi.Input<string>[];
}

/** EKS's managed access policy equal to Kubernetes cluster-admin. */
export const CLUSTER_ADMIN_POLICY =
  'arn:aws:eks::aws:cluster-access-policy/AmazonEKSClusterAdminPolicy';

/** EKS's managed read-only policy: every resource but Secrets. */
export const CLUSTER_VIEW_POLICY = 'arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy';

export { CONTROL_PLANE_LOG_TYPES } from './cluster-logs.ts';

export class Cluster extends pulumi.ComponentResource {
  readonly name: pulumi.Output<string>;
  readonly arn: pulumi.Output<string>;
  readonly kubeconfig: pulumi.Output<string>;
  readonly oidcProviderArn: pulumi.Output<string>;
  readonly oidcProviderUrl: pulumi.Output<string>;
  readonly clusterSecurityGroupId: pulumi.Output<string>;
  readonly provider: k8s.Provider;
  readonly eks: eks.Cluster;

  constructor(name: string, args: ClusterArgs, opts?: pulumi.ComponentResourceOptions) {
    super('darkroom:cluster:Cluster', name, {}, opts);
    const secretsKey = new aws.kms.Key(
      `${name}-secrets-key`,
      {
        description: `Envelope encryption of Kubernetes secrets in ${args.clusterName}`,
        enableKeyRotation: true,
        deletionWindowInDays: 30,
      },
      { parent: this },
    );
    // EKS writes to this group, and would create it without a retention (kept, and paid, forever).
    const logGroup = new aws.cloudwatch.LogGroup(
      `${name}-logs`,
      {
        name: `/aws/eks/${args.clusterName}/cluster`,
        retentionInDays: args.controlPlaneLogs.retentionDays,
      },
      { parent: this },
    );
    this.eks = new eks.Cluster(
      `${name}-eks`,
      {
        name: args.clusterName,
        version: args.kubernetesVersion,
        upgradePolicy: { supportType: args.supportType },
        vpcId: args.vpcId,
        privateSubnetIds: args.privateSubnetIds,
        publicSubnetIds: args.publicSubnetIds,
        nodeAssociatePublicIpAddress: false,
        skipDefaultNodeGroup: true,
        authenticationMode: eks.AuthenticationMode.Api,
        createOidcProvider: true,
        enabledClusterLogTypes: [...args.controlPlaneLogs.types],
        encryptionConfigKeyArn: secretsKey.arn,
        endpointPublicAccess: args.endpointPublicAccess,
        endpointPrivateAccess: args.endpointPrivateAccess,
        ...(args.endpointPublicAccess ? { publicAccessCidrs: [...args.publicAccessCidrs] } : {}),
        vpcCniOptions: { addonVersion: args.addonVersions.vpcCni },
        // CoreDNS needs nodes to become ACTIVE, and there are none until the system node group
        // exists, which needs this cluster: created inside it, the add-on times out the first
        // `up` (pulumi/pulumi-eks#1819, #1525). `createCoreDns` adds it after the node group.
        corednsAddonOptions: { enabled: false },
        kubeProxyAddonOptions: { enabled: true, version: args.addonVersions.kubeProxy },
        nodeSecurityGroupTags: { 'karpenter.sh/discovery': args.clusterName },
        tags: { 'darkroom.io/cluster': args.clusterName },
      },
      { parent: this, dependsOn: [logGroup] },
    );
    this.name = this.eks.eksCluster.name;
    this.arn = this.eks.eksCluster.arn;
    this.clusterSecurityGroupId = this.eks.eksCluster.vpcConfig.clusterSecurityGroupId;
    this.kubeconfig = pulumi.secret(this.eks.kubeconfigJson);
    this.oidcProviderArn = this.eks.oidcProviderArn;
    this.oidcProviderUrl = this.eks.oidcProviderUrl;
    // Karpenter selects node security groups by this tag; the EKS-created cluster SG cannot be tagged at creation.
    new aws.ec2.Tag(
      `${name}-cluster-sg-discovery`,
      {
        resourceId: this.clusterSecurityGroupId,
        key: 'karpenter.sh/discovery',
        value: args.clusterName,
      },
      { parent: this },
    );
    // pulumi-eks grants cluster-admin only to the identity that creates the cluster; every other
    // deployer (a CI role, a second engineer) needs an access entry, or Helm releases, workloads
    // and the NodePool's deletion fail with Unauthorized.
    args.clusterAdmins.forEach((principalArn, i) =>
      grantClusterAccess(`${name}-admin-${i}`, this.name, principalArn, CLUSTER_ADMIN_POLICY, this),
    );
    (args.clusterViewers ?? []).forEach((principalArn, i) =>
      grantClusterAccess(`${name}-viewer-${i}`, this.name, principalArn, CLUSTER_VIEW_POLICY, this),
    );
    this.provider = new k8s.Provider(
      `${name}-k8s`,
      { kubeconfig: this.eks.kubeconfigJson, enableServerSideApply: true },
      { parent: this },
    );
    this.registerOutputs({
      name: this.name,
      kubeconfig: this.kubeconfig,
      oidcProviderArn: this.oidcProviderArn,
    });
  }
}

/**
 * Create the EKS cluster and its Kubernetes provider.
 * @example createCluster('cluster', { clusterName, kubernetesVersion: '1.35', supportType: 'STANDARD', vpcId, privateSubnetIds, publicSubnetIds, … })
 */
export function createCluster(
  name: string,
  args: ClusterArgs,
  opts?: pulumi.ComponentResourceOptions,
): Cluster {
  return new Cluster(name, args, opts);
}

/** An access entry for `principalArn` with one EKS access policy over the whole cluster. */
function grantClusterAccess(
  name: string,
  clusterName: pulumi.Input<string>,
  principalArn: pulumi.Input<string>,
  policyArn: string,
  parent: pulumi.Resource,
): void {
  const entry = new aws.eks.AccessEntry(
    name,
    { clusterName, principalArn, type: 'STANDARD' },
    { parent },
  );
  new aws.eks.AccessPolicyAssociation(
    `${name}-policy`,
    { clusterName, principalArn, policyArn, accessScope: { type: 'cluster' } },
    { parent, dependsOn: [entry] },
  );
}

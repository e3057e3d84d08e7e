/**
 * Typed shapes of the custom resources the program creates. `k8s.apiextensions.CustomResource`
 * accepts anything, so these interfaces are what keeps the specs honest at compile time; the
 * tests validate the same objects against the upstream JSON schemas.
 */

export interface ObjectMeta {
  readonly name: string;
  readonly namespace?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}

interface Resource<ApiVersion extends string, Kind extends string, Spec> {
  readonly apiVersion: ApiVersion;
  readonly kind: Kind;
  readonly metadata: ObjectMeta;
  readonly spec: Spec;
}

// ---- KEDA (keda.sh/v1alpha1) ----

export interface TriggerAuthenticationSpec {
  /** `aws` pod identity with identityOwner `keda`: the operator's own IRSA role reads the queue. */
  readonly podIdentity: { readonly provider: 'aws'; readonly identityOwner: 'keda' | 'workload' };
}
export type TriggerAuthentication = Resource<
  'keda.sh/v1alpha1',
  'TriggerAuthentication',
  TriggerAuthenticationSpec
>;

export interface SqsTrigger {
  readonly type: 'aws-sqs-queue';
  readonly metadata: {
    readonly queueURL: string;
    readonly queueLength: string;
    readonly activationQueueLength: string;
    readonly awsRegion: string;
    readonly scaleOnInFlight: 'true' | 'false';
  };
  readonly authenticationRef: { readonly name: string };
}
export interface CpuTrigger {
  readonly type: 'cpu';
  readonly metricType: 'Utilization';
  readonly metadata: { readonly value: string };
}

export interface HpaScalingPolicy {
  readonly type: 'Percent' | 'Pods';
  readonly value: number;
  readonly periodSeconds: number;
}

export interface ScaledObjectSpec {
  readonly scaleTargetRef: {
    readonly apiVersion: 'apps/v1';
    readonly kind: 'Deployment';
    readonly name: string;
  };
  readonly minReplicaCount: number;
  readonly maxReplicaCount: number;
  readonly pollingInterval: number;
  readonly cooldownPeriod: number;
  readonly advanced: {
    readonly horizontalPodAutoscalerConfig: {
      readonly behavior: {
        readonly scaleUp: {
          readonly stabilizationWindowSeconds: number;
          readonly selectPolicy: 'Max';
          readonly policies: readonly HpaScalingPolicy[];
        };
        readonly scaleDown: {
          readonly stabilizationWindowSeconds: number;
          readonly selectPolicy: 'Min' | 'Max';
          readonly policies: readonly HpaScalingPolicy[];
        };
      };
    };
  };
  readonly triggers: readonly (SqsTrigger | CpuTrigger)[];
}
export type ScaledObject = Resource<'keda.sh/v1alpha1', 'ScaledObject', ScaledObjectSpec>;

// ---- Karpenter (karpenter.sh/v1, karpenter.k8s.aws/v1) ----

export interface NodeSelectorRequirement {
  readonly key: string;
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist' | 'Gt' | 'Lt';
  readonly values?: readonly string[];
}

export interface NodePoolSpec {
  readonly template: {
    readonly metadata: { readonly labels: Record<string, string> };
    readonly spec: {
      readonly nodeClassRef: {
        readonly group: 'karpenter.k8s.aws';
        readonly kind: 'EC2NodeClass';
        readonly name: string;
      };
      readonly requirements: readonly NodeSelectorRequirement[];
      readonly taints: readonly {
        readonly key: string;
        readonly value: string;
        readonly effect: 'NoSchedule' | 'NoExecute' | 'PreferNoSchedule';
      }[];
      readonly expireAfter: string;
      readonly terminationGracePeriod: string;
    };
  };
  readonly limits: { readonly cpu: string };
  readonly disruption: {
    readonly consolidationPolicy: 'WhenEmptyOrUnderutilized' | 'WhenEmpty';
    readonly consolidateAfter: string;
    readonly budgets: readonly {
      readonly nodes: string;
      readonly reasons?: readonly ('Underutilized' | 'Empty' | 'Drifted')[];
    }[];
  };
}
export type NodePool = Resource<'karpenter.sh/v1', 'NodePool', NodePoolSpec>;

/** `role` (Karpenter creates and owns a profile) and `instanceProfile` (we own it) exclude each other. */
export interface EC2NodeClassSpec {
  readonly instanceProfile: string;
  readonly amiSelectorTerms: readonly { readonly alias: string }[];
  readonly subnetSelectorTerms: readonly { readonly tags: Record<string, string> }[];
  readonly securityGroupSelectorTerms: readonly { readonly tags: Record<string, string> }[];
  readonly metadataOptions: {
    readonly httpEndpoint: 'enabled';
    readonly httpProtocolIPv6: 'disabled';
    readonly httpPutResponseHopLimit: number;
    readonly httpTokens: 'required';
  };
  readonly blockDeviceMappings: readonly {
    readonly deviceName: string;
    readonly ebs: {
      readonly volumeSize: string;
      readonly volumeType: 'gp3';
      readonly encrypted: boolean;
      readonly deleteOnTermination: boolean;
    };
  }[];
  readonly tags: Record<string, string>;
}
export type EC2NodeClass = Resource<'karpenter.k8s.aws/v1', 'EC2NodeClass', EC2NodeClassSpec>;

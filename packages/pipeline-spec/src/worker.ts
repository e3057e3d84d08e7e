/**
 * What a worker pod needs, shared by the runtime (which reads it), the Kubernetes Deployment and
 * the local runner (which set it): environment variable names, ports, probe paths, sizing and
 * KEDA scaling defaults.
 */
import type { Operation } from './operations.ts';

/** The environment contract of every worker process. */
export const WORKER_ENV = {
  queueUrl: 'DARKROOM_QUEUE_URL',
  deadLetterQueueUrl: 'DARKROOM_DLQ_URL',
  bucket: 'DARKROOM_BUCKET',
  region: 'AWS_REGION',
  endpoint: 'DARKROOM_AWS_ENDPOINT',
  concurrency: 'DARKROOM_CONCURRENCY',
  visibilityTimeoutSeconds: 'DARKROOM_VISIBILITY_TIMEOUT_SECONDS',
  shutdownGraceSeconds: 'DARKROOM_SHUTDOWN_GRACE_SECONDS',
  healthPort: 'DARKROOM_HEALTH_PORT',
  /** Interface of the health server: all interfaces in a pod, 127.0.0.1 on a laptop. */
  healthHost: 'DARKROOM_HEALTH_HOST',
  logLevel: 'DARKROOM_LOG_LEVEL',
  /** SQS messages per receive (1–10). */
  batchSize: 'DARKROOM_BATCH_SIZE',
  /**
   * Seconds a receive waits for messages (0–20; RECEIVE_WAIT_SECONDS unless set). A drain waits
   * for the receive in progress to answer, so this is also what a stop may take on an idle queue.
   */
  receiveWaitSeconds: 'DARKROOM_RECEIVE_WAIT_SECONDS',
} as const;

/** Environment variables of the options every operation shares. */
const COMMON_OPTION_ENV = {
  quality: 'DARKROOM_JPEG_QUALITY',
  limitInputPixels: 'DARKROOM_LIMIT_INPUT_PIXELS',
  maxInputBytes: 'DARKROOM_MAX_INPUT_BYTES',
  optimiseCoding: 'DARKROOM_JPEG_OPTIMISE_CODING',
} as const;

/**
 * The environment variable of each operation option (the option names are image-ops'): the
 * Deployment sets them from the stack config, the worker parses them at start-up.
 */
export const OPERATION_OPTION_ENV = {
  grayscale: { ...COMMON_OPTION_ENV },
  watermark: {
    ...COMMON_OPTION_ENV,
    gravity: 'DARKROOM_WATERMARK_GRAVITY',
    scale: 'DARKROOM_WATERMARK_SCALE',
    opacity: 'DARKROOM_WATERMARK_OPACITY',
    margin: 'DARKROOM_WATERMARK_MARGIN',
  },
  thumbnail: {
    ...COMMON_OPTION_ENV,
    width: 'DARKROOM_THUMBNAIL_WIDTH',
    height: 'DARKROOM_THUMBNAIL_HEIGHT',
  },
} as const satisfies { readonly [K in Operation]: Readonly<Record<string, string>> };

/** Option names an operation can take from its environment. */
export type OperationOptionName<Op extends Operation> = keyof (typeof OPERATION_OPTION_ENV)[Op];

/**
 * Process environment every worker runs with, in its image and wherever it is started locally,
 * so local figures match pods:
 * - `MALLOC_ARENA_MAX=2`: glibc's malloc keeps two arenas instead of 8 per core, which halves
 *   the RSS libvips' threads leave behind;
 * - `MALLOC_MMAP_THRESHOLD_=1048576`: blocks of 1 MB and more (libvips' decoded images, tens of
 *   MB each) are mapped and unmapped on their own instead of carved from the arenas, so their
 *   memory returns to the system when the photo is done. Over 400 watermarks of 4–17 MP at 2
 *   in flight the peak RSS fell from 567 to 486–490 MB. The price is fresh pages the kernel
 *   zeroes for each photo: ~4,000 minor faults and ~5 % more libvips CPU per thumbnail than
 *   glibc's own sliding threshold (`npm run bench:pipeline` shows faults per photo; the bench's
 *   raw lanes run under these settings too, so its ratio compares like with like);
 * - `--max-semi-space-size=2` (MB): a small young generation, scavenged every few photos. Node
 *   reads each download in 64 KB buffers and copies the body out of them again, memory V8
 *   counts as external and frees only when it collects the buffers' objects. A young generation
 *   allowed to grow to 16 MB was scavenged about once per 100 photos, so those buffers piled up
 *   to V8's 64 MB external limit first and forced a full mark-compact ("external memory
 *   pressure", `--trace-incremental-marking`) every ~20 photos: 5–6 per 104 thumbnails, ~1.5 ms
 *   of the worker's CPU per photo. At 2 MB: ~45 scavenges and no full GC over the same photos,
 *   and lower RSS (`npm run bench:pipeline`; test: local-pipeline `worker-process.test.ts`).
 */
export const WORKER_PROCESS_ENV = {
  MALLOC_ARENA_MAX: '2',
  MALLOC_MMAP_THRESHOLD_: '1048576',
  NODE_OPTIONS: '--max-semi-space-size=2',
} as const;

/**
 * Node flags every worker starts with (before its entry script; V8 takes these only on the
 * command line, not from NODE_OPTIONS), in its image and wherever it is started locally:
 * - `--initial-heap-size=256` (MB): a worker's own heap is small (~20 MB live), so V8 sized its
 *   limits to it and, with each photo's buffers counted against them, ran a full mark-compact
 *   every two or three photos: 30–40 per 104 thumbnails, 10–13 % of the worker's CPU. With room
 *   for 256 MB it runs 5–7 (`npm run bench:pipeline`, packages/local-pipeline/README.md).
 */
export const WORKER_NODE_FLAGS = ['--initial-heap-size=256'] as const;

export const HEALTH_PORT = 8080;
export const PROBE_PATHS = {
  liveness: '/healthz',
  readiness: '/readyz',
  metrics: '/metrics',
} as const;

/** Kubernetes gives a pod 30 s by default; the drain must finish well inside it. */
export const SHUTDOWN_GRACE_SECONDS = 20;
/** terminationGracePeriodSeconds: drain time plus room for the final visibility resets and log flush. */
export const TERMINATION_GRACE_PERIOD_SECONDS = SHUTDOWN_GRACE_SECONDS + 10;

/** Photos in flight per pod: one per vCPU requested (the bench shows 1 photo per core wins). */
export const CONCURRENCY_PER_POD = 2;

export interface WorkerSizing {
  readonly cpu: string;
  readonly memory: string;
}

/**
 * Requests (= limits, for Guaranteed QoS and predictable bin-packing): 1800m for 2 photos in
 * flight, so pods pack the sizes Karpenter picks — allocatable is always below the vCPU count
 * (EKS kube-reserved, Karpenter v1 `pkg/providers/instancetype/types.go`, plus ~200m of
 * DaemonSets): an xlarge keeps 3.72 vCPU (2 pods of 1.8; of 2.0, one, 45 % idle), a 2xlarge 7.71
 * (4 pods; of 2.0, three, 22 % idle). Memory from the bench's peak RSS of 2 × 20 MP photos in
 * flight (≈ 430 MB) plus the Node heap and SDK, rounded up.
 */
export const WORKER_RESOURCES: WorkerSizing = { cpu: '1800m', memory: '1Gi' };

/**
 * vCPU of node capacity one worker pod takes, its 1.8 requested plus its share of what the node
 * keeps back: Karpenter's NodePool `limits.cpu` counts node capacity, not pod requests, so N pods
 * need N × 2 vCPU of limit (xlarge: 2 pods per 4 vCPU; 2xlarge: 4 per 8; 4xlarge: 8 per 16).
 */
export const WORKER_NODE_FOOTPRINT_VCPU = 2;

export interface ScalingDefaults {
  /** KEDA target: visible messages per replica. */
  readonly queueLength: number;
  /** KEDA activation: scale from zero once more than this many messages wait. */
  readonly activationQueueLength: number;
  readonly minReplicas: number;
  readonly maxReplicas: number;
}

/**
 * The promise the scaling defaults are sized for: a burst of 10,000 photos drains within 30
 * minutes. A photo waiting longer than that means the pipeline is not keeping pace (the default
 * oldest-message-age alarm of the stack).
 */
export const BURST_DRAIN_TARGET = { photos: 10_000, seconds: 30 * 60 } as const;

/**
 * Per-operation KEDA defaults. A pod drains about 10 photos/s of thumbnails and 2–5 photos/s of
 * grayscale or watermark (4–20 MP), so a target backlog of 50 and 20 messages is 5–10 s of work
 * per replica: scale-out keeps pace with a burst of 10,000 photos in 30 minutes (≈ 6/s).
 */
export const SCALING_DEFAULTS: { readonly [K in Operation]: ScalingDefaults } = {
  // 13 + 13 + 6 pods × 2 vCPU of node capacity = 64: every worker at its maximum fits the
  // default NodePool limit (the stack schema refuses caps a stack's limit cannot hold).
  grayscale: { queueLength: 20, activationQueueLength: 0, minReplicas: 0, maxReplicas: 13 },
  watermark: { queueLength: 20, activationQueueLength: 0, minReplicas: 0, maxReplicas: 13 },
  thumbnail: { queueLength: 50, activationQueueLength: 0, minReplicas: 0, maxReplicas: 6 },
};

/** S3 object metadata keys a worker writes on each result (`x-amz-meta-…`). */
export const RESULT_METADATA = {
  sourceKey: 'darkroom-source-key',
  sourceEtag: 'darkroom-source-etag',
  /** The S3 event sequencer of the source version: orders results of one key. */
  sourceSequencer: 'darkroom-source-sequencer',
  operation: 'darkroom-operation',
  optionsVersion: 'darkroom-options-version',
} as const;

/** Message attributes a worker sets on a message it dead-letters. */
export const DLQ_ATTRIBUTES = {
  errorCode: 'darkroom-error',
  errorMessage: 'darkroom-error-message',
  operation: 'darkroom-operation',
  sourceKey: 'darkroom-source-key',
} as const;

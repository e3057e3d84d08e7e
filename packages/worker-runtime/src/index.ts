export { runWorker, startWorker, type RunWorkerOptions, type WorkerHandle } from './worker.ts';
export { retryDelaySeconds, receiveBackoffMs, RECEIVE_BACKOFF } from './backoff.ts';
export {
  settle,
  type RecordResult,
  type DeliveryFacts,
  type MessageAction,
  type Settlement,
} from './settle.ts';
export { MULTIPART_THRESHOLD_BYTES, compareSequencers } from './result-store.ts';
export { loadConfig, CONFIG_ENV, CONFIG_LIMITS, type WorkerConfig } from './config.ts';
export { parseS3EventMessage, type S3ObjectEvent, type ParsedMessage } from './s3-event.ts';
export { optionsVersion, processPhoto, type RunImageOperation, type PhotoResult } from './photo.ts';
export { createMetrics, type WorkerMetrics, type PhotoOutcome } from './metrics.ts';
export {
  WorkerError,
  ConfigError,
  PermanentMessageError,
  TransientError,
  ShutdownError,
  classifyAwsError,
  httpStatusOf,
  type WorkerStep,
} from './errors.ts';
export {
  optionsFromEnv,
  envInteger,
  envNumber,
  envBoolean,
  envEnum,
  COMMON_ENV_OPTIONS,
  type EnvOptionParser,
  type EnvOptionShape,
} from './env-options.ts';

export {
  startLocalPipeline,
  waitUntilReady,
  LOCAL_BUCKET,
  UPLOAD_PART_BYTES,
  type LocalPipeline,
  type LocalPipelineOptions,
  type DeadLetter,
  type QueueCounts,
} from './pipeline.ts';
export { spawnWorker, serviceEntry, type WorkerProcess, type WorkerLogLine } from './workers.ts';
export { planUploads, listFiles, type PlannedUpload, type LocalFile } from './photos.ts';
export {
  DEFAULT_RESTART_POLICY,
  CrashLoopError,
  describeExit,
  backoffMs,
  superviseWorker,
  type RestartPolicy,
  type WorkerSlot,
  type WorkerExit,
} from './supervisor.ts';

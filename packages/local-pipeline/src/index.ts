export {
  startLocalPipeline,
  waitUntilReady,
  LOCAL_BUCKET,
  type LocalPipeline,
  type LocalPipelineOptions,
  type DeadLetter,
  type QueueCounts,
} from './pipeline.ts';
export { spawnWorker, serviceEntry, type WorkerProcess, type WorkerLogLine } from './workers.ts';
export { planUploads, listFiles, type PlannedUpload } from './photos.ts';

export type { OperationQueues, PipelineClients, PipelineTarget } from './target.ts';
export { forEachLimited } from './pool.ts';
export { listObjects } from './storage/list-objects.ts';
export {
  type Placement,
  placementOf,
  unmappableName,
  unmappableReason,
} from './downloads/placement.ts';
export { type ResultBody, ResultWriter, type WriteResult } from './downloads/result-writer.ts';
export {
  type DownloadNote,
  type DownloadOptions,
  type DownloadReport,
  downloadResults,
} from './downloads/download-results.ts';
export {
  type LocalFile,
  type LocalFiles,
  type SkippedEntry,
  listLocalFiles,
  nameAsText,
} from './uploads/local-files.ts';
export { expectedEtag, unquoteEtag } from './uploads/etag.ts';
export {
  type UploadFilesOptions,
  type UploadItem,
  type UploadOutcome,
  type UploadReport,
  uploadBody,
  uploadFiles,
} from './uploads/upload-files.ts';
export {
  type DeadLetter,
  readDeadLetters,
  receiveAll,
  release,
  toDeadLetter,
} from './queues/dead-letters.ts';
export { type QueueCounts, queueCounts } from './queues/queue-counts.ts';
export {
  type ClientRecord,
  DEFAULT_QUOTA,
  clientOfToken,
  clientRecordSchema,
  newToken,
  sha256,
  tokenMatches,
} from './clients/client-record.ts';
export {
  ClientError,
  type NewClient,
  addClient,
  listClients,
  readClient,
  revokeClient,
  writeClient,
} from './clients/client-store.ts';

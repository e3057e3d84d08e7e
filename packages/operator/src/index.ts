export {
  type Placement,
  placementOf,
  unmappableName,
  unmappableReason,
} from './downloads/placement.ts';
export { type ResultBody, ResultWriter, type WriteResult } from './downloads/result-writer.ts';
export {
  type LocalFile,
  type LocalFiles,
  type SkippedEntry,
  listLocalFiles,
  nameAsText,
} from './uploads/local-files.ts';

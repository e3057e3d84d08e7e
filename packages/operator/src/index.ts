export {
  type Placement,
  placementOf,
  unmappableName,
  unmappableReason,
} from './downloads/placement.ts';
export { type ResultBody, ResultWriter, type WriteResult } from './downloads/result-writer.ts';

/** What a front desk serves: the bucket and queues of one stack, and its limits. */
import { OPERATIONS, type Operation } from '@darkroom/pipeline-spec';

export interface FrontDeskSettings {
  readonly bucket: string;
  /** Operations every upload goes to; the first receives the upload, the others a server-side copy. */
  readonly operations: readonly Operation[];
  /** Each operation's DLQ, where a failed photo's reason is read (never consumed). */
  readonly deadLetterQueueUrls: Readonly<Partial<Record<Operation, string>>>;
  /** The results queue (S3 events of new results), for webhooks; none: no webhooks. */
  readonly resultsQueueUrl?: string;
  /** Largest photo a client may upload, enforced by the signed POST policy. */
  readonly maxUploadBytes: number;
  readonly uploadUrlSeconds: number;
  readonly downloadUrlSeconds: number;
  /** Requests per minute per token (429 above). */
  readonly requestsPerMinute: number;
  readonly filesPerRequest: number;
}

export const DEFAULT_SETTINGS = {
  operations: OPERATIONS,
  deadLetterQueueUrls: {},
  maxUploadBytes: 200 * 1024 * 1024,
  uploadUrlSeconds: 15 * 60,
  downloadUrlSeconds: 5 * 60,
  requestsPerMinute: 600,
  filesPerRequest: 100,
} as const satisfies Omit<FrontDeskSettings, 'bucket'>;

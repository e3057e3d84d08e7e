/**
 * The worker → runner contract: a worker writes one JSON object per line on stdout (pino); the
 * local runner, the bench and the tests read the lines named here, with the fields typed here.
 */

/** `msg` of the log lines other programs react to. */
export const WORKER_LOG = {
  /** Once, when the first receive from SQS (or the queue probe) succeeded. */
  ready: 'worker ready',
  /** Once per photo (S3 record) and delivery, when its message is settled. */
  photo: 'photo',
  /** Once, when a signal starts the drain. */
  draining: 'draining',
  /** Last line before a clean exit. */
  stopped: 'stopped',
} as const;

/**
 * What one delivery of one photo came to; each photo of a message gets exactly one, logged once
 * and counted once in `darkroom_photos_total`.
 */
export const PHOTO_OUTCOMES = [
  /** Result written. */
  'processed',
  /** The result of this source version and options already existed (a redelivery). */
  'duplicate',
  /** Not a photo: a "folder" placeholder object. */
  'skipped',
  /** The source was overwritten since the event; the newer version's own event brings it. */
  'superseded',
  /** Left on the queue with a backoff, to be received again. */
  'retried',
  /** Handed back at once because the worker is shutting down. */
  'released',
  /** Sent to the DLQ with its reason. */
  'dead_lettered',
  /** Its source was deleted: its result was removed with it. */
  'removed',
] as const;
export type PhotoOutcome = (typeof PHOTO_OUTCOMES)[number];

/** Outcomes after which no worker will see this event again. */
export const FINAL_PHOTO_OUTCOMES: ReadonlySet<PhotoOutcome> = new Set([
  'processed',
  'duplicate',
  'skipped',
  'superseded',
  'dead_lettered',
  'removed',
]);

/** Fields of a {@link WORKER_LOG.photo} line. */
export interface PhotoLogFields {
  readonly msg: typeof WORKER_LOG.photo;
  readonly key: string;
  readonly outcome: PhotoOutcome;
  readonly messageId: string;
  readonly receiveCount: number;
  /** Receive to settled, per photo. */
  readonly durationMs: number;
  /** Time inside the image operation. */
  readonly processMs: number;
  /** Time queued for a CPU slot. */
  readonly waitMs: number;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly outputKey?: string;
  readonly errorCode?: string;
  readonly step?: string;
  readonly err?: string;
}

/**
 * Narrow a parsed log line to a photo line.
 * @example lines.filter(isPhotoLine).filter((l) => l.outcome === 'processed')
 */
export function isPhotoLine<L extends { readonly msg?: unknown }>(
  line: L,
): line is L & PhotoLogFields {
  return (
    line.msg === WORKER_LOG.photo &&
    'key' in line &&
    typeof line.key === 'string' &&
    'outcome' in line &&
    PHOTO_OUTCOMES.some((outcome) => outcome === line.outcome)
  );
}

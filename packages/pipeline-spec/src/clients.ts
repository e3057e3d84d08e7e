/**
 * The photography business's clients in the bucket's key space: each client's photos live under
 * `input/<op>/<client>/…` and their results under `output/<op>/<client>/…`; the client records
 * (hashed tokens, webhook, quotas) under `clients/`, where no worker can read.
 */
import { type Operation, OPERATIONS, inputPrefix, outputPrefix } from './operations.ts';

/** A client id: 1–40 lower-case letters, digits and inner hyphens (it is a key segment). */
export const CLIENT_ID_PATTERN = /^[a-z0-9](?:[a-z0-9-]{0,38}[a-z0-9])?$/;
export const CLIENTS_PREFIX = 'clients/';

export const isClientId = (value: string): boolean => CLIENT_ID_PATTERN.test(value);
export const clientRecordKey = (client: string): string => `${CLIENTS_PREFIX}${client}.json`;
export const clientInputPrefix = (operation: Operation, client: string): string =>
  `${inputPrefix(operation)}${client}/`;
export const clientOutputPrefix = (operation: Operation, client: string): string =>
  `${outputPrefix(operation)}${client}/`;

/** Whose photo, which operation and which name a key under input/ or output/ is, if any. */
export function clientPhotoOf(
  key: string,
): { kind: 'original' | 'result'; operation: Operation; client: string; name: string } | undefined {
  for (const operation of OPERATIONS)
    for (const [kind, prefix] of [
      ['original', inputPrefix(operation)],
      ['result', outputPrefix(operation)],
    ] as const) {
      if (!key.startsWith(prefix)) continue;
      const rest = key.slice(prefix.length);
      const slash = rest.indexOf('/');
      const client = rest.slice(0, slash);
      if (slash > 0 && isClientId(client) && slash < rest.length - 1)
        return { kind, operation, client, name: rest.slice(slash + 1) };
    }
  return undefined;
}

/** S3 events for new results go to the front desk's queue, which tells clients (webhooks). */
export const RESULTS_NOTIFICATION = {
  id: 'darkroom-results',
  events: ['s3:ObjectCreated:*'],
  filterPrefix: 'output/',
} as const;

export const resultsQueueNames = (namePrefix: string) => ({
  queue: `${namePrefix}-results`,
  deadLetterQueue: `${namePrefix}-results-dlq`,
});

/** The front desk's environment contract (infra's Deployment and the service agree on it). */
export const FRONT_DESK_ENV = {
  bucket: 'DARKROOM_BUCKET',
  region: 'AWS_REGION',
  endpoint: 'DARKROOM_AWS_ENDPOINT',
  resultsQueueUrl: 'DARKROOM_RESULTS_QUEUE_URL',
  /** JSON `{ "<op>": "<DLQ URL>" }`. */
  deadLetterQueueUrls: 'DARKROOM_DLQ_URLS',
  port: 'DARKROOM_FRONT_DESK_PORT',
  host: 'DARKROOM_FRONT_DESK_HOST',
  logLevel: 'DARKROOM_LOG_LEVEL',
} as const;
export const FRONT_DESK_PORT = 8080;

/** The services that ship as images: a worker per operation, and the front desk. */
export type ImageService = Operation | 'front-desk';

/** Receives of a webhook delivery before it waits in the results DLQ (back-off 30 s … 15 min). */
export const RESULTS_MAX_RECEIVES = 8;

/**
 * The embedded AWS: fauxqs (S3 + SQS on one port) bound to 127.0.0.1, extended through Fastify's
 * public hooks by one plugin per concern, each with its own contract and tests:
 *
 * - `faults.ts`: failures injected by tests, before anything else sees the request;
 * - `s3/cors.ts`: bucket CORS rules, preflights answered before IAM (they carry no credentials);
 * - `s3/presigned-expiry.ts`: presigned URLs that expire as S3's do;
 * - `iam/`: every request judged as AWS would, with the identities and policies infra deploys;
 * - `s3/request-bodies.ts`, `s3/xml-bodies.ts`: S3's body limit, body-less PUTs, `MalformedXML`;
 * - `sqs/visibility-expiry.ts`: queue counts after visibility timeouts pass;
 * - `s3/upload-part-copy.ts`, `s3/list-versions.ts`, `s3/list-parts.ts`: UploadPartCopy,
 *   ListObjectVersions and ListParts, which fauxqs lacks;
 * - `s3/listings.ts`: listings in S3's byte order, `encoding-type=url`;
 * - `s3/post-object.ts`, `s3/post-policy.ts`: browser uploads with a signed POST policy;
 * - `s3/object-headers.ts`: Cache-Control, Expires…, empty and non-ASCII user metadata kept;
 * - `s3/write-events.ts`: one write per key at a time, conditional writes, each write's event;
 * - `notifications/`: bucket notification configurations and S3 → SQS delivery (fauxqs has none).
 *
 * Limits (documented, tested where it matters): path-style S3 only; queue destinations only;
 * notifications for PutObject, CompleteMultipartUpload and DeleteObject (not CopyObject or
 * DeleteObjects); state is in memory, so a restart loses every object and message.
 */
import type { AddressInfo } from 'node:net';
import type { S3Client } from '@aws-sdk/client-s3';
import type { SQSClient } from '@aws-sdk/client-sqs';
import { buildApp } from 'fauxqs';
import { type FaultRule, installFaults } from './faults.ts';
import {
  AccessControl,
  LOCAL_ACCOUNT_ID,
  adminPrincipal,
  installAccessControl,
} from './iam/index.ts';
import { EventDelivery } from './notifications/event-delivery.ts';
import { installNotificationRoute } from './notifications/notification-route.ts';
import { installCors } from './s3/cors.ts';
import { installPresignedExpiry } from './s3/presigned-expiry.ts';
import { installListParts } from './s3/list-parts.ts';
import { installListVersions } from './s3/list-versions.ts';
import { installObjectHeaders } from './s3/object-headers.ts';
import { installPostObject } from './s3/post-object.ts';
import { installRequestBodies } from './s3/request-bodies.ts';
import { installListings } from './s3/listings.ts';
import { installUploadPartCopy } from './s3/upload-part-copy.ts';
import { installWriteEvents } from './s3/write-events.ts';
import { installXmlBodyChecks } from './s3/xml-bodies.ts';
import { SelfClients } from './self-clients.ts';
import { installVisibilityExpiry } from './sqs/visibility-expiry.ts';

export { MAX_REQUEST_BYTES } from './s3/request-bodies.ts';

/** The runner's own credentials (an administrator); they grant nothing outside this emulator. */
export const LOCAL_CREDENTIALS = Object.freeze({
  accessKeyId: 'darkroom-local',
  secretAccessKey: 'darkroom-local',
} as const);
export const LOCAL_REGION = 'us-east-1';

export interface LocalAws {
  readonly endpoint: string;
  readonly region: string;
  readonly s3: S3Client;
  readonly sqs: SQSClient;
  /** Environment for a process using the SDK's default chain against this emulator. */
  readonly env: Readonly<Record<string, string>>;
  /** Principals, resource policies and the decisions made (see ./iam). */
  readonly access: AccessControl;
  /** Resolves when every notification triggered so far has been delivered. */
  settled(): Promise<void>;
  /** Failures while delivering notifications (e.g. the destination queue was deleted). */
  readonly deliveryErrors: readonly Error[];
  close(): Promise<void>;
}

export interface LocalAwsOptions {
  /** Default 0: a free port. */
  readonly port?: number;
  /** Enforce IAM (default true). */
  readonly iam?: boolean;
  /** Tests: rules that fail chosen requests (the array may change while running). */
  readonly faults?: FaultRule[];
}

/**
 * Start the emulator on 127.0.0.1 (never all interfaces).
 * @example const aws = await startLocalAws(); … await aws.close();
 */
export async function startLocalAws(options: LocalAwsOptions = {}): Promise<LocalAws> {
  const app = buildApp({ logger: false, defaultRegion: LOCAL_REGION });
  const access = new AccessControl({ enforce: options.iam ?? true });
  access.addPrincipal(adminPrincipal(LOCAL_CREDENTIALS));
  const self = new SelfClients();
  const delivery = new EventDelivery(self, access, LOCAL_REGION);
  if (options.faults) installFaults(app, options.faults);
  installPresignedExpiry(app);
  installCors(app);
  installAccessControl(app, access, { region: LOCAL_REGION, accountId: LOCAL_ACCOUNT_ID });
  installRequestBodies(app);
  installXmlBodyChecks(app);
  installVisibilityExpiry(app);
  installWriteEvents(app, self, delivery);
  installUploadPartCopy(app, self);
  installListVersions(app, self);
  installListParts(app);
  installListings(app);
  installObjectHeaders(app);
  let endpoint = '';
  installPostObject(app, access, self, () => endpoint);
  installNotificationRoute(app, delivery);
  await app.listen({ host: '127.0.0.1', port: options.port ?? 0 });
  endpoint = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
  self.connect(endpoint, LOCAL_REGION, LOCAL_CREDENTIALS);
  return {
    endpoint,
    region: LOCAL_REGION,
    s3: self.s3,
    sqs: self.sqs,
    env: {
      AWS_ACCESS_KEY_ID: LOCAL_CREDENTIALS.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_CREDENTIALS.secretAccessKey,
      AWS_REGION: LOCAL_REGION,
      DARKROOM_AWS_ENDPOINT: endpoint,
    },
    settled: () => delivery.settled(),
    deliveryErrors: delivery.deliveryErrors,
    access,
    async close() {
      await delivery.settled();
      self.destroy();
      // Workers' long polls hold connections for up to 20 s: cut them instead of waiting.
      const closing = app.close();
      app.server.closeAllConnections();
      await closing;
    },
  };
}

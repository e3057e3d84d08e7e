/** `--keep-running`: how to reach the emulator, and the target file `darkroom --local` reads. */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { LOCAL_CREDENTIALS } from '@darkroom/local-aws';
import { LOCAL_TARGET_FILE, OPERATIONS, type Operation } from '@darkroom/pipeline-spec';
import type { LocalPipeline } from '../pipeline.ts';

/** The emulator as stack outputs; its credentials grant nothing outside this emulator. */
export function localTarget(p: LocalPipeline) {
  const byOp = (pick: (q: LocalPipeline['topology']['queues'][Operation]) => string) =>
    Object.fromEntries(OPERATIONS.map((op) => [op, pick(p.topology.queues[op])]));
  return {
    bucketName: p.topology.bucket,
    queueUrls: byOp((q) => q.queueUrl),
    deadLetterQueueUrls: byOp((q) => q.deadLetterQueueUrl),
    endpoint: p.aws.endpoint,
    region: p.aws.region,
    // Named fields only: the SDK marks a credentials object it used (`$source`), a detail of
    // its own that has no place in a file other tools read.
    credentials: {
      accessKeyId: LOCAL_CREDENTIALS.accessKeyId,
      secretAccessKey: LOCAL_CREDENTIALS.secretAccessKey,
    },
  };
}

/** Write the target; it is removed when the runner exits (no stale port for the CLI). @returns its path. */
export function writeLocalTarget(p: LocalPipeline): string {
  const file = resolve(LOCAL_TARGET_FILE);
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(localTarget(p), null, 2)}\n`);
  process.once('exit', () => rmSync(file, { force: true }));
  return file;
}

export function endpointsText(p: LocalPipeline, operations: readonly Operation[]): string {
  const mode = p.aws.access.enforced ? 'IAM enforced: use the key below' : 'any credentials';
  const queues = operations.map(
    (op) =>
      `Queue ${op}: ${p.topology.queues[op].queueUrl}\n  DLQ: ${p.topology.queues[op].deadLetterQueueUrl}\n`,
  );
  const { accessKeyId, secretAccessKey } = LOCAL_CREDENTIALS;
  return [
    `\nEndpoint: ${p.aws.endpoint} (region ${p.aws.region}, path-style S3, ${mode})\nBucket:   ${p.topology.bucket}\n`,
    ...queues,
    `Upload: AWS_ACCESS_KEY_ID=${accessKeyId} AWS_SECRET_ACCESS_KEY=${secretAccessKey} aws --endpoint-url ${p.aws.endpoint} s3 cp photo.jpg s3://${p.topology.bucket}/input/thumbnail/photo.jpg\n\n`,
  ].join('');
}

/** The client `npm start -- --keep-running` creates, so the page can be tried at once. */
export const SAMPLE_CLIENT = 'sample';

export const frontDeskText = (url: string, token: string): string =>
  `Front desk: ${url}/  (the clients' page and API)\n  sample client "${SAMPLE_CLIENT}": ${url}/#token=${token}\n  API: curl -H 'Authorization: Bearer ${token}' ${url}/v1/photos\n  more clients: npx darkroom --local clients add <id>\n\n`;

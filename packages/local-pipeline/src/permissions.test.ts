/**
 * The real worker process under the real policies, enforced by the emulator: each statement of a
 * worker's role policy is needed, and without it the run fails the way it fails in AWS — the
 * photo's requests are refused, the worker retries (AWS's 403s are transient to it: IAM changes
 * propagate) and on the last receive dead-letters the photo with the refusal as its reason; when
 * it may not even do that, the queue's redrive policy moves the message, without a reason.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SAMPLE_PHOTOS_DIR } from '@darkroom/image-ops/samples';
import { withoutStatement } from '@darkroom/local-aws';
import { inputPrefix } from '@darkroom/pipeline-spec';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { type LocalPipeline, startLocalPipeline } from './index.ts';

const small = await sharp(readFileSync(join(SAMPLE_PHOTOS_DIR, 'kite.jpg')))
  .resize(320, 200)
  .jpeg()
  .toBuffer();
const notAPhoto = Buffer.from('a text file named .jpg\n');

interface Case {
  /** The statement removed; `undefined`: the policy as deployed. */
  readonly statement: string | undefined;
  /** Keys of the run that must produce a result. */
  readonly succeeds: readonly string[];
  /** The codes of the DLQ entries: the worker's reason, or the redrive policy's (no reason). */
  readonly dlqCodes: readonly string[];
  /** What the worker logged for the failing photo: the error AWS's answer produces. */
  readonly logged: { readonly key: string; readonly errorCode: string; readonly step: string };
  /** How often that photo was received (a refused photo comes back once before the DLQ). */
  readonly receives: number;
  /** Whether the emulator refused any request. */
  readonly denied: boolean;
}

const REDRIVEN = 'MaxReceiveCountExceeded';
// The text file is refused from its first bytes, while downloading (image-ops sniffFormat).
const cases: readonly Case[] = [
  {
    statement: undefined,
    succeeds: ['photo.jpg'],
    dlqCodes: ['UnsupportedFormat'],
    logged: { key: 'notes.jpg', errorCode: 'UnsupportedFormat', step: 'download' },
    receives: 1,
    denied: false,
  },
  {
    statement: 'ReadOwnInputs',
    succeeds: [],
    dlqCodes: ['AccessDenied', 'AccessDenied'],
    logged: { key: 'photo.jpg', errorCode: 'AccessDenied', step: 'download' },
    receives: 2,
    denied: true,
  },
  {
    statement: 'WriteOwnOutputs',
    succeeds: [],
    // The text file fails before any write. The photo's first receive writes without a HEAD and
    // the PUT is refused; its second receive HEADs first, refused too: S3's HEAD 403 has no
    // body, so the SDK names it 'Unknown' — in AWS exactly as here.
    dlqCodes: ['UnsupportedFormat', 'Unknown'],
    logged: { key: 'photo.jpg', errorCode: 'AccessDenied', step: 'upload' },
    receives: 2,
    denied: true,
  },
  {
    statement: 'ListOwnPrefixes',
    // A first receive writes without reading the result first, so a new photo needs no listing.
    // ListBucket is what makes a redelivered photo's HEAD of a missing result, or the GET of a
    // deleted source, a 404, not a 403: proven against the rendered policy in
    // infra/src/access.test.ts ("gets 404, not 403"). The text file's failure looks for an older
    // result to remove: that HEAD is refused (denied), but its own reason still reaches the DLQ.
    succeeds: ['photo.jpg'],
    dlqCodes: ['UnsupportedFormat'],
    logged: { key: 'notes.jpg', errorCode: 'UnsupportedFormat', step: 'download' },
    receives: 1,
    denied: true,
  },
  {
    statement: 'DeadLetterToOwnDlq',
    succeeds: ['photo.jpg'],
    dlqCodes: [REDRIVEN],
    // The worker judges the text file permanent, but may not dead-letter it with its reason:
    // the message comes back until the redrive policy moves it, without the reason.
    logged: { key: 'notes.jpg', errorCode: 'UnsupportedFormat', step: 'download' },
    receives: 2,
    denied: true,
  },
];

async function runWithout(statement: string | undefined): Promise<LocalPipeline> {
  const pipeline = await startLocalPipeline({
    operations: ['thumbnail'],
    workersPerOperation: 1,
    concurrency: 1,
    visibilityTimeoutSeconds: 2,
    maxReceiveCount: 2,
    adjustWorkerPolicy: (_op, policy) => (statement ? withoutStatement(policy, statement) : policy),
  });
  await pipeline.upload('thumbnail', 'photo.jpg', small);
  await pipeline.upload('thumbnail', 'notes.jpg', notAPhoto);
  return pipeline;
}

describe('a worker policy missing one statement fails the run as AWS would', () => {
  it.concurrent.each(cases.map((c) => [c.statement ?? 'nothing (as deployed)', c] as const))(
    'without %s',
    async (_name, c) => {
      const pipeline = await runWithout(c.statement);
      try {
        await pipeline.waitForDrain({ thumbnail: 2 }, { timeoutMs: 60_000 });
        expect((await pipeline.outputs('thumbnail')).sort()).toEqual([...c.succeeds]);
        const dead = await pipeline.readDeadLetters('thumbnail');
        expect(dead.map((d) => d.code)).toEqual(c.dlqCodes);
        const lines = pipeline.workers[0]?.lines ?? [];
        const refused = lines.filter(
          (l) => l.msg === 'photo' && l.key === `${inputPrefix('thumbnail')}${c.logged.key}`,
        );
        expect(refused[0], JSON.stringify(lines)).toMatchObject({
          errorCode: c.logged.errorCode,
          step: c.logged.step,
        });
        // Refused photos are received again (receive count 2) before they are dead-lettered.
        expect(refused.length).toBe(c.receives);
        expect(pipeline.aws.access.denials.length > 0).toBe(c.denied);
      } finally {
        await pipeline.stop();
      }
    },
  );
});

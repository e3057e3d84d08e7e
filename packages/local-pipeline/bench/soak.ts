/**
 * `npm run bench:pipeline -- --soak [--photos 2000]`: the pipeline under faults for a few
 * minutes (not in CI). 2,000 photos (40/40/20 over the operations) go through two supervised
 * workers per operation (as in the reproduction of item 1) while one worker is killed with SIGKILL every 30 s (round robin) and every
 * second one already uploaded photo (half the time a recent one, likely in flight) is overwritten
 * with a 12 MP version and, 50–300 ms later, a small one (the race of issue 10 item 1). At the end every
 * source must have exactly one result, made from its newest version, and nothing may be
 * dead-lettered. Prints the counts; exit 0 only when lost, stale, duplicated and dead-lettered
 * are all 0.
 */
import { DeleteObjectCommand, HeadObjectCommand } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';
import { OPERATIONS, RESULT_METADATA, inputPrefix } from '@darkroom/pipeline-spec';
import sharp from 'sharp';
import { DEFAULT_RESTART_POLICY, type LocalPipeline, startLocalPipeline } from '../src/index.ts';
import { planUploads } from '../src/photos.ts';

const KILL_EVERY_MS = 30_000;
const OVERWRITE_EVERY_MS = 1_000;
const DELETE_EVERY_MS = 5_000;
/** Share of overwrites that end on bytes the key held before (an edit reverted). */
const REVERT_SHARE = 0.3;

interface SoakCounts {
  photos: number;
  overwrites: number;
  reverts: number;
  deletes: number;
  kills: number;
  restarts: number;
  lost: number;
  stale: number;
  duplicated: number;
  deadLettered: number;
  wallMs: number;
}

/** Small versions of the sample photos at several sizes: each upload of a key differs from the last. */
async function variants(samples: readonly Buffer[]): Promise<Buffer[]> {
  const out: Buffer[] = [];
  for (const width of [640, 720, 800])
    for (const sample of samples) out.push(await sharp(sample).resize(width).jpeg().toBuffer());
  return out;
}

/** 12 MP versions: slow to process, so a job for one finishes after the job for a newer small one. */
async function largeVariants(samples: readonly Buffer[]): Promise<Buffer[]> {
  return Promise.all(samples.map((s) => sharp(s).resize(4200).jpeg({ quality: 90 }).toBuffer()));
}

async function put(p: LocalPipeline, key: string, body: Buffer): Promise<string> {
  const done = await new Upload({
    client: p.aws.s3,
    params: { Bucket: p.topology.bucket, Key: key, Body: body },
  }).done();
  return (done.ETag ?? '').replace(/"/g, '');
}

/** Every input's result: lost when missing, stale when made from an older version. */
async function verify(
  p: LocalPipeline,
  newest: ReadonlyMap<string, string>,
  deleted: ReadonlySet<string>,
): Promise<Pick<SoakCounts, 'lost' | 'stale' | 'duplicated' | 'deadLettered'>> {
  let lost = 0;
  let stale = 0;
  let duplicated = 0;
  let deadLettered = 0;
  for (const op of OPERATIONS) {
    const outputs = new Set(await p.outputs(op));
    const inputs = [...newest.keys()].filter((k) => k.startsWith(inputPrefix(op)));
    const expected = new Set(inputs.map((k) => k.slice(inputPrefix(op).length)));
    // A result of a deleted source outlived it: stale, not a duplicate.
    for (const key of [...deleted].filter((k) => k.startsWith(inputPrefix(op))))
      if (outputs.delete(key.slice(inputPrefix(op).length))) {
        stale++;
        process.stderr.write(`soak: stale ${key}: its source was deleted, its result remains\n`);
      }
    duplicated += [...outputs].filter((o) => !expected.has(o)).length;
    for (const key of inputs) {
      const relative = key.slice(inputPrefix(op).length);
      if (!outputs.has(relative)) {
        lost++;
        process.stderr.write(`soak: lost ${key}\n`);
        continue;
      }
      const head = await p.aws.s3.send(
        new HeadObjectCommand({ Bucket: p.topology.bucket, Key: `output/${op}/${relative}` }),
      );
      const madeFrom = head.Metadata?.[RESULT_METADATA.sourceEtag];
      if (madeFrom !== newest.get(key)) {
        stale++;
        process.stderr.write(
          `soak: stale ${key}: result from ${madeFrom}, source is ${newest.get(key)}\n`,
        );
      }
    }
    deadLettered += (await p.readDeadLetters(op)).length;
  }
  return { lost, stale, duplicated, deadLettered };
}

/** Run the soak; resolves with the counts (the caller prints them and sets the exit code). */
export async function runSoak(
  samples: readonly Buffer[],
  photos: number,
  minutes = 0,
): Promise<SoakCounts> {
  const bodies = await variants(samples);
  const large = await largeVariants(samples);
  const plan = planUploads(
    Array.from({ length: photos }, (_, n) => ({
      path: Buffer.alloc(0),
      relativeKey: `soak/${String(n).padStart(5, '0')}.jpg`,
    })),
    OPERATIONS,
    [40, 40, 20],
  );
  const p = await startLocalPipeline({
    operations: OPERATIONS,
    workersPerOperation: 2,
    concurrency: 1,
    visibilityTimeoutSeconds: 10,
    restartPolicy: DEFAULT_RESTART_POLICY,
  });
  const newest = new Map<string, string>();
  const version = new Map<string, number>();
  const deleted = new Set<string>();
  const busy = new Set<string>();
  const counts = { overwrites: 0, reverts: 0, deletes: 0, kills: 0 };
  const started = Date.now();
  let running = true;
  const killer = setInterval(() => {
    const slots = p.slots().filter((s) => s.current.child.exitCode === null);
    const victim = slots[counts.kills % Math.max(1, slots.length)];
    if (!victim) return;
    counts.kills++;
    process.stderr.write(`soak: kill -9 ${victim.name} (pid ${victim.current.child.pid})\n`);
    victim.current.child.kill('SIGKILL');
  }, KILL_EVERY_MS);
  const overwriter = (async () => {
    for (let due = Date.now() + OVERWRITE_EVERY_MS; running; due += OVERWRITE_EVERY_MS) {
      await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
      // Half the time one of the last 20 uploads (likely in flight: the race of issue 10 item 1).
      const keys = [...newest.keys()];
      const pool = Math.random() < 0.5 ? keys.slice(-20) : keys;
      const key = pool[Math.floor(Math.random() * pool.length)];
      if (!key || !running) continue;
      // The race of issue 10 item 1: a large version, then 50–300 ms later a small one.
      if (deleted.has(key)) continue;
      busy.add(key); // the deleter leaves a key alone while it is being overwritten
      const v = (version.get(key) ?? 0) + 1;
      version.set(key, v);
      await put(p, key, large[v % large.length] as Buffer);
      await new Promise((r) => setTimeout(r, 50 + Math.random() * 250));
      // Some end on the bytes the key was first uploaded with: S, L, S again.
      const revert = Math.random() < REVERT_SHARE;
      const body = revert ? (bodies[0] as Buffer) : (bodies[v % bodies.length] as Buffer);
      newest.set(key, await put(p, key, body));
      busy.delete(key);
      counts.overwrites++;
      if (revert) counts.reverts++;
    }
  })();
  const deleter = (async () => {
    for (let due = Date.now() + DELETE_EVERY_MS; running; due += DELETE_EVERY_MS) {
      await new Promise((r) => setTimeout(r, Math.max(0, due - Date.now())));
      const keys = [...newest.keys()].filter((k) => !busy.has(k));
      const key = keys[Math.floor(Math.random() * keys.length)];
      if (!key || !running) continue;
      newest.delete(key);
      deleted.add(key);
      await p.aws.s3.send(new DeleteObjectCommand({ Bucket: p.topology.bucket, Key: key }));
      counts.deletes++;
    }
  })();
  try {
    let next = 0;
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        for (let item = plan[next++]; item; item = plan[next++]) {
          const key = `${inputPrefix(item.operation)}${item.relativeKey}`;
          version.set(key, 0);
          newest.set(key, await put(p, key, bodies[0] as Buffer));
        }
      }),
    );
    const expectedNow = () =>
      Object.fromEntries(
        OPERATIONS.map((op) => [
          op,
          plan.filter((u) => u.operation === op).length -
            [...deleted].filter((k) => k.startsWith(inputPrefix(op))).length,
        ]),
      );
    let last = 0;
    const expected = expectedNow();
    await p.waitForDrain(expected, {
      timeoutMs: 1_800_000,
      onTick(progress) {
        if (Date.now() - last < 10_000) return;
        last = Date.now();
        const done = [...progress.values()].reduce((s, c) => s + c.done + c.failed, 0);
        process.stderr.write(
          `soak: ${done}/${photos} results, ${counts.overwrites} overwrites, ${counts.kills} kills\n`,
        );
      },
    });
    // Keep the faults going for the soak's length, then stop them and let the last events finish.
    while (Date.now() - started < minutes * 60_000) await new Promise((r) => setTimeout(r, 1_000));
    running = false;
    clearInterval(killer);
    await Promise.all([overwriter, deleter]);
    await p.waitForDrain(expectedNow(), { timeoutMs: 600_000 });
    const wallMs = Date.now() - started;
    return {
      photos,
      ...counts,
      restarts: p.slots().reduce((n, s) => n + s.restarts, 0),
      ...(await verify(p, newest, deleted)),
      wallMs,
    };
  } finally {
    running = false;
    clearInterval(killer);
    await p.stop();
  }
}

/**
 * CPU cost per photo by operation and size, for the capacity planner (`npm run plan`): each photo
 * is scaled to a ladder of megapixel sizes and processed one at a time with one libvips thread (how
 * a worker runs each photo), measuring this process's CPU time around each call.
 * Written as JSON (`--json`, default `.bench/image-ops.json` at the repository root).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname } from 'node:path';
import sharp from 'sharp';
import { imageOperations, tuneSharpForWorker, type ImageOperationName } from '../src/index.ts';

export const DEFAULT_COST_JSON = new URL('../../../.bench/image-ops.json', import.meta.url)
  .pathname;
const LADDER_MP = [1, 6, 12, 24] as const;
const OPERATION_NAMES: readonly ImageOperationName[] = ['grayscale', 'watermark', 'thumbnail'];

export interface CostPoint {
  readonly megapixels: number;
  readonly photos: number;
  readonly cpuMsPerPhoto: number;
  readonly wallMsPerPhoto: number;
}

async function scaledTo(bytes: Buffer, megapixels: number): Promise<Buffer> {
  const meta = await sharp(bytes).metadata();
  const scale = Math.sqrt((megapixels * 1e6) / ((meta.width ?? 1) * (meta.height ?? 1)));
  return sharp(bytes)
    .resize(Math.round((meta.width ?? 1) * scale))
    .jpeg({ quality: 90 })
    .toBuffer();
}

async function measurePoint(
  operation: ImageOperationName,
  inputs: readonly Buffer[],
  megapixels: number,
  rounds: number,
): Promise<CostPoint> {
  let cpu = 0;
  let wall = 0;
  let photos = 0;
  for (let round = 0; round < rounds; round++) {
    for (const input of inputs) {
      const before = process.cpuUsage();
      const start = performance.now();
      await imageOperations[operation](input);
      wall += performance.now() - start;
      const used = process.cpuUsage(before);
      cpu += (used.user + used.system) / 1000;
      photos++;
    }
  }
  return { megapixels, photos, cpuMsPerPhoto: cpu / photos, wallMsPerPhoto: wall / photos };
}

/** Measure the ladder on `photos` and write it as JSON to `file`; returns what it wrote. */
export async function writeCostLadder(
  photos: readonly Buffer[],
  file: string,
  rounds: number,
): Promise<unknown> {
  tuneSharpForWorker({ threadsPerPhoto: 1 });
  const operations: Record<string, CostPoint[]> = {};
  for (const megapixels of LADDER_MP) {
    const inputs = await Promise.all(photos.map((p) => scaledTo(p, megapixels)));
    for (const operation of OPERATION_NAMES) {
      (operations[operation] ??= []).push(
        await measurePoint(operation, inputs, megapixels, rounds),
      );
    }
  }
  const result = {
    kind: 'darkroom-image-ops-cost',
    measuredAt: new Date().toISOString(),
    machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}`,
    node: process.version,
    sharp: sharp.versions.sharp,
    libvips: sharp.versions.vips,
    method: 'one photo at a time, one libvips thread, process CPU time around each operation call',
    operations,
  };
  mkdirSync(dirname(file), { recursive: true });
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  return result;
}

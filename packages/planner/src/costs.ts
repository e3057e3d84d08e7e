/**
 * Per-photo cost of each operation, from the benches' JSON (`npm run bench` writes the CPU cost
 * by operation and megapixels, `npm run bench:pipeline` the worker's overhead around it). The
 * planner reads committed copies measured on the development machine (`data/`), dated inside.
 */
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { OPERATIONS, type Operation } from '@darkroom/pipeline-spec';
import { z } from 'zod';
import { readJsonFile } from './model-config.ts';

const point = z.object({
  megapixels: z.number().positive(),
  photos: z.number().int().positive(),
  cpuMsPerPhoto: z.number().positive(),
  wallMsPerPhoto: z.number().positive(),
});
export const imageOpsCostSchema = z.object({
  kind: z.literal('darkroom-image-ops-cost'),
  measuredAt: z.iso.datetime(),
  machine: z.string(),
  operations: z.object(
    Object.fromEntries(OPERATIONS.map((op) => [op, z.array(point).min(2)])) as Record<
      Operation,
      z.ZodArray<typeof point>
    >,
  ),
});
export const pipelineOverheadSchema = z.object({
  kind: z.literal('darkroom-pipeline-overhead'),
  measuredAt: z.iso.datetime(),
  machine: z.string(),
  input: z.object({ megapixels: z.number().positive() }),
  workloads: z
    .array(
      z.object({
        workload: z.string(),
        workerProcesses: z.number().int().positive(),
        concurrencyPerWorker: z.number().int().positive(),
        rawLanes: z.number().int().positive(),
        rawPhotosPerSecond: z.number().positive(),
        pipelinePhotosPerSecond: z.number().positive(),
        rawCpuMsPerPhoto: z.number().min(0),
        workerCpuMsPerPhoto: z.number().min(0),
      }),
    )
    .min(1),
});

const DATA_DIR = new URL('../data/', import.meta.url).pathname;

/**
 * The committed bench JSONs: `image-ops-cost.json`, and every `pipeline-overhead-*.json`
 * (bench:pipeline runs at several photo sizes, so the worker's overhead can grow with the photo;
 * several runs at one size average out a shared machine's noise).
 */
export function defaultCostFiles(): { imageOps: string; pipeline: string[] } {
  return {
    imageOps: join(DATA_DIR, 'image-ops-cost.json'),
    pipeline: readdirSync(DATA_DIR)
      .filter((f) => /^pipeline-overhead-.*\.json$/.test(f))
      .sort()
      .map((f) => join(DATA_DIR, f)),
  };
}

/** What one photo of an operation costs a worker, on the target instance family. */
export interface PhotoCost {
  /** CPU seconds of the image operation itself. */
  readonly opCpuSeconds: number;
  /** CPU seconds the worker spends around it (SDK, parsing, hashing). */
  readonly overheadCpuSeconds: number;
  /** Seconds a slot waits on S3/SQS without using CPU. */
  readonly ioSeconds: number;
}

export interface CostModel {
  readonly measuredAt: { readonly imageOps: string; readonly pipeline: string };
  readonly machine: string;
  readonly photoCost: (operation: Operation, megapixels: number) => PhotoCost;
  /** The least-squares line through the ladder, for the report: ms = a + b × MP. */
  readonly lines: Readonly<Record<Operation, { readonly a: number; readonly b: number }>>;
}

/** Least-squares line y = a + b·x (a constant when every x is the same). */
export function fitLine(points: readonly { x: number; y: number }[]): { a: number; b: number } {
  const n = points.length;
  const mx = points.reduce((s, p) => s + p.x, 0) / n;
  const my = points.reduce((s, p) => s + p.y, 0) / n;
  const sxx = points.reduce((s, p) => s + (p.x - mx) ** 2, 0);
  const sxy = points.reduce((s, p) => s + (p.x - mx) * (p.y - my), 0);
  const b = sxx === 0 ? 0 : sxy / sxx;
  return { a: my - b * mx, b };
}

type PipelineWorkload = z.output<typeof pipelineOverheadSchema>['workloads'][number];

/**
 * The worker's cost around the image operation, in ms per photo: CPU (worker CPU minus raw CPU)
 * and non-CPU wait (a slot's time per photo in the pipeline, minus a lane's time per photo raw,
 * minus that extra CPU), both from one side-by-side bench run on the same photos.
 */
export function workerOverhead(w: PipelineWorkload | undefined): { cpu: number; io: number } {
  if (!w) return { cpu: 0, io: 0 };
  const cpu = Math.max(0, w.workerCpuMsPerPhoto - w.rawCpuMsPerPhoto);
  const pipelineSlotMs =
    (1000 * w.workerProcesses * w.concurrencyPerWorker) / w.pipelinePhotosPerSecond;
  const rawSlotMs = (1000 * w.rawLanes) / w.rawPhotosPerSecond;
  return { cpu, io: Math.max(0, pipelineSlotMs - rawSlotMs - cpu) };
}

/** The worker's overhead per operation as lines over megapixels, from one or more bench runs. */
function overheadLines(
  runs: readonly z.output<typeof pipelineOverheadSchema>[],
): Record<Operation, { cpu: { a: number; b: number }; io: { a: number; b: number } }> {
  return Object.fromEntries(
    OPERATIONS.map((op) => {
      const points = runs.map((run) => ({
        x: run.input.megapixels,
        o: workerOverhead(run.workloads.find((w) => w.workload === op)),
      }));
      return [
        op,
        {
          cpu: fitLine(points.map((p) => ({ x: p.x, y: p.o.cpu }))),
          io: fitLine(points.map((p) => ({ x: p.x, y: p.o.io }))),
        },
      ];
    }),
  ) as Record<Operation, { cpu: { a: number; b: number }; io: { a: number; b: number } }>;
}

/** Build the cost model; `cpuFactor` scales CPU time to the target family (0.8 = 25 % faster cores). */
export function loadCostModel(
  cpuFactor: number,
  files: { imageOps: string; pipeline: readonly string[] } = defaultCostFiles(),
): CostModel {
  const ops = readJsonFile(files.imageOps, imageOpsCostSchema);
  const runs = files.pipeline.map((f) => readJsonFile(f, pipelineOverheadSchema));
  const lines = Object.fromEntries(
    OPERATIONS.map((op) => [
      op,
      fitLine(ops.operations[op].map((p) => ({ x: p.megapixels, y: p.cpuMsPerPhoto }))),
    ]),
  ) as Record<Operation, { a: number; b: number }>;
  const overhead = overheadLines(runs);
  const at = (l: { a: number; b: number }, mp: number) => Math.max(0, l.a + l.b * mp);
  return {
    measuredAt: {
      imageOps: ops.measuredAt,
      pipeline: runs.map((r) => r.measuredAt).sort()[0] ?? '',
    },
    machine: ops.machine,
    lines,
    photoCost: (operation, megapixels) => ({
      opCpuSeconds: (at(lines[operation], megapixels) * cpuFactor) / 1000,
      overheadCpuSeconds: (at(overhead[operation].cpu, megapixels) * cpuFactor) / 1000,
      ioSeconds: at(overhead[operation].io, megapixels) / 1000,
    }),
  };
}

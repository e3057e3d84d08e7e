import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { defaultCostFiles, fitLine, loadCostModel, workerOverhead } from './costs.ts';
import { PlannerInputError } from './model-config.ts';

describe('per-photo costs from the benches’ JSON', () => {
  it('fits CPU = a + b × MP through the measured ladder', () => {
    const line = fitLine([
      { x: 1, y: 12 },
      { x: 6, y: 62 },
      { x: 12, y: 122 },
    ]);
    expect(line.a).toBeCloseTo(2, 9);
    expect(line.b).toBeCloseTo(10, 9);
  });

  it('costs a 12 MP photo more CPU than a 6 MP one, and scales it with --cpu-factor', () => {
    const model = loadCostModel(1);
    const six = model.photoCost('watermark', 6).opCpuSeconds;
    expect(model.photoCost('watermark', 12).opCpuSeconds).toBeGreaterThan(1.5 * six);
    expect(loadCostModel(0.5).photoCost('watermark', 6).opCpuSeconds).toBeCloseTo(six / 2, 9);
  });

  it('takes the worker’s CPU around the operation from the pipeline bench', () => {
    const w = {
      workload: 'grayscale',
      workerProcesses: 2,
      concurrencyPerWorker: 1,
      rawLanes: 2,
      rawPhotosPerSecond: 20,
      pipelinePhotosPerSecond: 10,
      rawCpuMsPerPhoto: 30,
      workerCpuMsPerPhoto: 42,
    };
    // pipeline slot 200 ms − raw lane 100 ms − 12 ms extra CPU = 88 ms waiting on S3/SQS.
    expect(workerOverhead(w)).toEqual({ cpu: 12, io: 88 });
  });

  it('rejects a bench file that is not the benches’ JSON, naming the file', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'planner-cost-')), 'bad.json');
    writeFileSync(file, JSON.stringify({ kind: 'something-else' }));
    expect(() => loadCostModel(1, { ...defaultCostFiles(), imageOps: file })).toThrow(
      PlannerInputError,
    );
    expect(() => loadCostModel(1, { ...defaultCostFiles(), imageOps: file })).toThrow(file);
  });
});

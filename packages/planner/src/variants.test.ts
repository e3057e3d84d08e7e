import { describe, expect, it } from 'vitest';
import { loadCostModel } from './costs.ts';
import { loadModelConfig } from './model-config.ts';
import { type PlanInput, runPlan } from './plan.ts';
import { planSettings, readStack } from './settings.ts';
import { checkStackChange } from './target-report.ts';
import { currentOverrides, describeChange, seedStrategies } from './variants.ts';

const model = loadModelConfig();
const settings = planSettings(readStack('dev'));
const input: PlanInput = {
  settings,
  model,
  costs: loadCostModel(1),
  workload: {
    burst: 600,
    mix: { grayscale: 40, watermark: 40, thumbnail: 20 },
    arrivalSeconds: 0,
    megapixels: 6,
  },
  capacity: 'spot',
  seed: 1,
};

describe('--target suggestions', () => {
  it('proposes nothing to change when the search keeps the stack as it is', () => {
    const change = describeChange(settings, currentOverrides(settings), input.workload);
    expect(change.spec).toEqual([]);
    expect(change.stackYaml).toContain('    pollingIntervalSeconds: 10');
    expect(checkStackChange('dev', currentOverrides(settings), input)).toBeUndefined();
  });

  it('checks a proposed stack change with infra’s schema and returns its error', () => {
    const tooFast = { ...currentOverrides(settings), pollingIntervalSeconds: 1 };
    expect(checkStackChange('dev', tooFast, input)).toMatch(
      /darkroom:keda\.pollingIntervalSeconds/,
    );
  });
});

describe('--compare seed', () => {
  it('replays a CPU-only HPA that cannot scale workers whose CPU stays under its target', () => {
    const [seventy] = seedStrategies(model);
    if (!seventy) throw new Error('no seed strategy');
    const plan = runPlan({ ...input, ...seventy });
    expect(plan.summary.drained).toBe(true);
    expect(plan.summary.peakPods).toBe(3);
    expect(plan.summary.notes.join()).toMatch(/peaked at \d+ % against a 70 % target/);
  });
});

import { OPERATIONS } from '@darkroom/pipeline-spec';
import { describe, expect, it } from 'vitest';
import { POISON_NAME, smokePlan, smokeRunId } from './plan.ts';

describe('smoke plan', () => {
  it('puts every photo and one poison file under a run-unique prefix of every operation', () => {
    const plan = smokePlan('smoke-x', ['a.jpg', 'b.jpg']);
    expect(plan).toHaveLength(OPERATIONS.length * 3);
    for (const op of OPERATIONS) {
      const mine = plan.filter((i) => i.operation === op);
      expect(mine.map((i) => i.inputKey)).toEqual([
        `input/${op}/smoke-x/a.jpg`,
        `input/${op}/smoke-x/b.jpg`,
        `input/${op}/smoke-x/${POISON_NAME}`,
      ]);
      expect(mine.map((i) => i.outputKey)).toEqual(
        mine.map((i) => i.inputKey.replace(/^input/, 'output')),
      );
      expect(mine.filter((i) => i.poison).map((i) => i.name)).toEqual([POISON_NAME]);
    }
  });

  it('never gives two runs the same prefix, so a run cleans up only its own keys', () => {
    expect(smokeRunId(1_700_000_000_000, () => 0.5)).toBe('smoke-loyw3v28-8000');
    expect(smokeRunId(1_700_000_000_000, () => 0)).not.toBe(
      smokeRunId(1_700_000_000_000, () => 0.99),
    );
  });
});

/** Target resolution: Pulumi when present, a file otherwise, a clear exit 64 when neither works. */
import { describe, expect, it } from 'vitest';
import { OPERATIONS } from '@darkroom/pipeline-spec';
import { CliError } from './exit-codes.ts';
import { resolveTarget } from './target.ts';

const outputs = {
  bucketName: 'darkroom-dev-photos-0123abcd',
  queueUrls: Object.fromEntries(
    OPERATIONS.map((op) => [op, `https://sqs.eu-west-2.amazonaws.com/1/darkroom-dev-${op}`]),
  ),
  deadLetterQueueUrls: Object.fromEntries(
    OPERATIONS.map((op) => [op, `https://sqs.eu-west-2.amazonaws.com/1/darkroom-dev-${op}-dlq`]),
  ),
  clusterName: 'darkroom-dev',
  kubeconfig: '[secret]',
};

describe('target', () => {
  it('reads a stack from `pulumi stack output --json`, taking the region from its queue URLs', () => {
    const asked: string[] = [];
    const t = resolveTarget({ stack: 'dev' }, (s) => (asked.push(s), JSON.stringify(outputs)));
    expect(asked).toEqual(['dev']);
    expect(t).toMatchObject({
      kind: 'stack',
      bucket: 'darkroom-dev-photos-0123abcd',
      region: 'eu-west-2',
      endpoint: undefined,
    });
    expect(t.queues.watermark.deadLetterQueueUrl).toBe(
      'https://sqs.eu-west-2.amazonaws.com/1/darkroom-dev-watermark-dlq',
    );
  });

  it('without the Pulumi CLI, says to pass --outputs', () => {
    expect(() => resolveTarget({ stack: 'dev' }, () => undefined)).toThrow(
      /Pulumi CLI is not installed: pass --outputs FILE/,
    );
  });

  it('names what is missing from outputs that are not a Darkroom stack', () => {
    const { queueUrls: _q, ...partial } = outputs;
    const error = (() => {
      try {
        resolveTarget({ stack: 'dev' }, () => JSON.stringify(partial));
      } catch (e) {
        return e as CliError;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(CliError);
    expect(error?.exitCode).toBe(64);
    expect(error?.message).toMatch(/not a Darkroom stack's outputs: queueUrls/);
  });

  it('refuses no target and two targets', () => {
    expect(() => resolveTarget({})).toThrow(/no target/);
    expect(() => resolveTarget({ local: true, stack: 'dev' })).toThrow(/choose one target/);
  });
});

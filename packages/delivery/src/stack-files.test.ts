/**
 * What the CI roles' fences rely on in each stack file: its secrets under its own KMS key
 * (`.ci/deploy` refuses anything else) and every AWS resource tagged with its stack (the other
 * stack's deploy role is explicitly denied on resources with that tag).
 */
import { readFileSync } from 'node:fs';
import { DELIVERY_STACKS, STACK_TAG, stateKeyAlias } from '@darkroom/access';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from './fakes.ts';

interface StackFile {
  secretsprovider?: string;
  config: Record<string, unknown>;
}

describe.each(DELIVERY_STACKS)('Pulumi.%s.yaml', (stack) => {
  const file = parse(readFileSync(`${REPO_ROOT}Pulumi.${stack}.yaml`, 'utf8')) as StackFile;

  it('keeps its secrets under its own stack’s KMS key, never a passphrase', () => {
    expect(file.secretsprovider).toBe(
      `awskms://${stateKeyAlias(stack)}?region=${String(file.config['aws:region'])}`,
    );
  });

  it('tags every AWS resource with its stack, which the other stack’s deploy role may not touch', () => {
    expect(file.config['aws:defaultTags']).toEqual({ tags: { [STACK_TAG]: stack } });
  });
});

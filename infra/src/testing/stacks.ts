/** Load a stack file (Pulumi.<stack>.yaml) into the raw config the program validates. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';
import { createDarkroom, type DarkroomOutputs } from '../darkroom.ts';
import { parseStackConfig, type StackConfig } from '../config.ts';
import { type MockedProgram, installMocks, settle } from './mocks.ts';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

export function rawStackConfig(stack: string): Record<string, unknown> {
  const file = parse(readFileSync(`${REPO_ROOT}Pulumi.${stack}.yaml`, 'utf8')) as {
    config: Record<string, unknown>;
  };
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(file.config)) {
    if (key === 'aws:region') raw['region'] = value;
    else if (key.startsWith('darkroom:')) raw[key.slice('darkroom:'.length)] = value;
  }
  return raw;
}

export function stackConfig(stack: string): StackConfig {
  return parseStackConfig(rawStackConfig(stack));
}

/** Run the whole program for a stack under mocks and wait for every registration. */
export async function runStack(
  stack: string,
  overrides: Record<string, unknown> = {},
): Promise<{ program: MockedProgram; outputs: DarkroomOutputs; config: StackConfig }> {
  const program = await installMocks(stack);
  const config = parseStackConfig({ ...rawStackConfig(stack), ...overrides });
  const outputs = createDarkroom(config, { stack, repoRoot: REPO_ROOT });
  await settle(program);
  return { program, outputs, config };
}

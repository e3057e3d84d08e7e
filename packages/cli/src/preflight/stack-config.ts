/**
 * The stack's configuration for preflight, before anything is deployed: from `pulumi config
 * --json` when the Pulumi CLI exists, else from `Pulumi.<stack>.yaml`; validated and defaulted by
 * the Pulumi program's own parser, so preflight checks exactly the values `pulumi up` would use.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { type StackConfig, StackConfigError, parseStackConfig } from '@darkroom/infra/config';
import { parse as parseYaml } from 'yaml';
import { CliError } from '../exit-codes.ts';

/** `pulumi config --json` for a stack; `undefined` when the Pulumi CLI is not installed. */
export type PulumiConfigRunner = (stack: string) => string | undefined;

export const runPulumiConfig: PulumiConfigRunner = (stack) => {
  try {
    return execFileSync('pulumi', ['config', '--json', '--stack', stack], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new CliError(
      `pulumi config --stack ${stack} failed: ${String((error as { stderr?: unknown }).stderr ?? error)}`,
    );
  }
};

/** `{ "darkroom:karpenter": …, "aws:region": … }` → the shape `parseStackConfig` takes. */
export function rawFromNamespaced(values: Record<string, unknown>): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(values)) {
    if (key === 'aws:region') raw['region'] = value;
    else if (key.startsWith('darkroom:')) raw[key.slice('darkroom:'.length)] = value;
  }
  return raw;
}

function fromPulumiJson(text: string): Record<string, unknown> {
  const entries = JSON.parse(text) as Record<string, { value?: unknown; objectValue?: unknown }>;
  return rawFromNamespaced(
    Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, v.objectValue ?? v.value])),
  );
}

function fromYamlFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new CliError(`cannot read the stack config ${path}: ${(error as Error).message}`);
  }
  const doc = parseYaml(text) as { config?: Record<string, unknown> } | null;
  return rawFromNamespaced(doc?.config ?? {});
}

/**
 * @throws {CliError} (exit 64) for an unreadable file or a configuration the program would reject.
 */
export function loadStackConfig(
  stack: string,
  options: { file?: string; region?: string; pulumi?: PulumiConfigRunner },
): StackConfig {
  const fromPulumi = options.file ? undefined : (options.pulumi ?? runPulumiConfig)(stack);
  const raw = fromPulumi
    ? fromPulumiJson(fromPulumi)
    : fromYamlFile(options.file ?? `Pulumi.${stack}.yaml`);
  if (options.region) raw['region'] = options.region;
  try {
    return parseStackConfig(raw);
  } catch (error) {
    if (error instanceof StackConfigError) throw new CliError(error.message);
    throw error;
  }
}

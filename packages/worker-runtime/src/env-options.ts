/**
 * Operation options from environment variables: each service declares which variable feeds
 * which option; values are parsed here (errors name the variable) and range-checked by
 * image-ops at start-up (errors name the option).
 */
import { ConfigError } from './errors.ts';

export type EnvOptionKind = 'integer' | 'number' | 'string' | 'boolean';

/** Option name → the environment variable that sets it and how to parse it. */
export type EnvOptionSpec = Readonly<
  Record<string, { readonly env: string; readonly kind: EnvOptionKind }>
>;

/** Options every operation shares. */
export const COMMON_ENV_OPTIONS = {
  quality: { env: 'DARKROOM_JPEG_QUALITY', kind: 'integer' },
  limitInputPixels: { env: 'DARKROOM_LIMIT_INPUT_PIXELS', kind: 'integer' },
  optimiseCoding: { env: 'DARKROOM_JPEG_OPTIMISE_CODING', kind: 'boolean' },
} as const satisfies EnvOptionSpec;

function parse(raw: string, kind: EnvOptionKind): unknown {
  switch (kind) {
    case 'integer':
      return /^-?\d+$/.test(raw.trim()) ? Number(raw) : undefined;
    case 'number':
      return raw.trim() !== '' && Number.isFinite(Number(raw)) ? Number(raw) : undefined;
    case 'boolean':
      return raw === 'true' ? true : raw === 'false' ? false : undefined;
    case 'string':
      return raw;
  }
}

/**
 * Read the options `spec` names from `env`; unset variables are left out so defaults apply.
 *
 * @throws {ConfigError} naming every variable that does not parse as its kind.
 * @example optionsFromEnv({ width: { env: 'DARKROOM_THUMBNAIL_WIDTH', kind: 'integer' } }, { DARKROOM_THUMBNAIL_WIDTH: '320' })
 * // { width: 320 }
 */
export function optionsFromEnv(
  spec: EnvOptionSpec,
  env: NodeJS.ProcessEnv,
): Record<string, unknown> {
  const options: Record<string, unknown> = {};
  const problems: string[] = [];
  for (const [option, { env: name, kind }] of Object.entries(spec)) {
    const raw = env[name];
    if (raw === undefined || raw === '') continue;
    const value = parse(raw, kind);
    if (value === undefined)
      problems.push(
        `${name} must be ${kind === 'integer' ? 'an integer' : kind === 'boolean' ? 'true or false' : `a ${kind}`} (option "${option}"), received ${JSON.stringify(raw)}`,
      );
    else options[option] = value;
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return options;
}

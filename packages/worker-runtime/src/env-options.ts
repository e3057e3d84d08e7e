/**
 * Operation options from environment variables. The variable of each option is the spec's
 * (`OPERATION_OPTION_ENV`, which infra sets); each service says how its options parse, with a
 * zod schema per option, so the options keep their type from the service's `options.ts` to the
 * image operation. Errors name the variable and the option; ranges are image-ops' to check.
 */
import { type Operation, OPERATION_OPTION_ENV } from '@darkroom/pipeline-spec';
import { z } from 'zod';
import { ConfigError } from './errors.ts';

/** How one option parses from its variable (unset or empty: left out, so defaults apply). */
export type EnvOptionParser<T> = z.ZodType<T | undefined, string | undefined>;

/** An integer option, e.g. `DARKROOM_THUMBNAIL_WIDTH=320`. */
export const envInteger: EnvOptionParser<number> = z
  .string()
  .regex(/^\s*-?\d+\s*$/, { error: 'must be an integer' })
  .transform(Number)
  .optional();

/** A decimal option, e.g. `DARKROOM_WATERMARK_OPACITY=0.5`. */
export const envNumber: EnvOptionParser<number> = z
  .string()
  .refine((raw) => raw.trim() !== '' && Number.isFinite(Number(raw)), { error: 'must be a number' })
  .transform(Number)
  .optional();

/** `true` or `false`. */
export const envBoolean: EnvOptionParser<boolean> = z
  .enum(['true', 'false'], { error: 'must be true or false' })
  .transform((raw) => raw === 'true')
  .optional();

/** One of `values`. */
export function envEnum<const T extends readonly [string, ...string[]]>(
  values: T,
): EnvOptionParser<T[number]> {
  return z.enum(values, { error: `must be one of ${values.join(', ')}` }).optional();
}

/** The options every operation shares. */
export const COMMON_ENV_OPTIONS = {
  quality: envInteger,
  limitInputPixels: envInteger,
  maxInputBytes: envInteger,
  optimiseCoding: envBoolean,
} as const;

/** Parsers by option name; only options the spec gives a variable for `Op`. */
export type EnvOptionShape<Op extends Operation> = Readonly<
  Partial<Record<keyof (typeof OPERATION_OPTION_ENV)[Op], EnvOptionParser<unknown>>>
>;

/**
 * Read the options `shape` names from `env`, each from its spec variable.
 *
 * @throws {ConfigError} naming every variable that does not parse.
 * @example optionsFromEnv('thumbnail', { width: envInteger }, { DARKROOM_THUMBNAIL_WIDTH: '320' })
 * // { width: 320 }
 */
export function optionsFromEnv<
  Op extends Operation,
  Shape extends EnvOptionShape<Op> & Readonly<Record<string, EnvOptionParser<unknown>>>,
>(operation: Op, shape: Shape, env: NodeJS.ProcessEnv) {
  const names: Readonly<Record<string, string>> = OPERATION_OPTION_ENV[operation];
  const raw = Object.fromEntries(
    Object.keys(shape).map((option) => [option, env[names[option] ?? ''] || undefined]),
  );
  const result = z.strictObject(shape).safeParse(raw);
  if (result.success) return result.data;
  throw new ConfigError(
    result.error.issues.map((issue) => {
      const option = String(issue.path[0]);
      return `${names[option]} ${issue.message} (option "${option}"), received ${JSON.stringify(raw[option])}`;
    }),
  );
}

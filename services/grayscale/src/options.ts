import { COMMON_ENV_OPTIONS, type EnvOptionSpec, optionsFromEnv } from '@darkroom/worker-runtime';
import type { GrayscaleOptions } from '@darkroom/image-ops';

/** Environment variables of the grayscale worker: only the shared JPEG and safety options. */
export const GRAYSCALE_ENV_OPTIONS = { ...COMMON_ENV_OPTIONS } as const satisfies EnvOptionSpec;

/** @throws {ConfigError} naming each variable that does not parse. */
export function grayscaleOptionsFromEnv(env: NodeJS.ProcessEnv): GrayscaleOptions {
  return optionsFromEnv(GRAYSCALE_ENV_OPTIONS, env) as GrayscaleOptions;
}

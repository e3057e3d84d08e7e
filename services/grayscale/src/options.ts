import type { GrayscaleOptions } from '@darkroom/image-ops';
import { COMMON_ENV_OPTIONS, optionsFromEnv } from '@darkroom/worker-runtime';

/** How the grayscale worker's options parse: only the shared JPEG and safety options. */
export const GRAYSCALE_ENV_OPTIONS = { ...COMMON_ENV_OPTIONS } as const;

/** @throws {ConfigError} naming each variable (the spec's `OPERATION_OPTION_ENV`) that does not parse. */
export function grayscaleOptionsFromEnv(env: NodeJS.ProcessEnv): GrayscaleOptions {
  return optionsFromEnv('grayscale', GRAYSCALE_ENV_OPTIONS, env);
}

import { GRAVITIES, type WatermarkOptions } from '@darkroom/image-ops';
import { COMMON_ENV_OPTIONS, envEnum, envNumber, optionsFromEnv } from '@darkroom/worker-runtime';

/** How the watermark worker's options parse: placement and look of the logo plus the shared options. */
export const WATERMARK_ENV_OPTIONS = {
  ...COMMON_ENV_OPTIONS,
  gravity: envEnum(GRAVITIES),
  scale: envNumber,
  opacity: envNumber,
  margin: envNumber,
} as const;

/** @throws {ConfigError} naming each variable (the spec's `OPERATION_OPTION_ENV`) that does not parse. */
export function watermarkOptionsFromEnv(env: NodeJS.ProcessEnv): WatermarkOptions {
  return optionsFromEnv('watermark', WATERMARK_ENV_OPTIONS, env);
}

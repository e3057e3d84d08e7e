import { COMMON_ENV_OPTIONS, type EnvOptionSpec, optionsFromEnv } from '@darkroom/worker-runtime';
import type { WatermarkOptions } from '@darkroom/image-ops';

/** Environment variables of the watermark worker: placement and look of the logo plus the shared options. */
export const WATERMARK_ENV_OPTIONS = {
  ...COMMON_ENV_OPTIONS,
  gravity: { env: 'DARKROOM_WATERMARK_GRAVITY', kind: 'string' },
  scale: { env: 'DARKROOM_WATERMARK_SCALE', kind: 'number' },
  opacity: { env: 'DARKROOM_WATERMARK_OPACITY', kind: 'number' },
  margin: { env: 'DARKROOM_WATERMARK_MARGIN', kind: 'number' },
} as const satisfies EnvOptionSpec;

/** @throws {ConfigError} naming each variable that does not parse. */
export function watermarkOptionsFromEnv(env: NodeJS.ProcessEnv): WatermarkOptions {
  return optionsFromEnv(WATERMARK_ENV_OPTIONS, env) as WatermarkOptions;
}

import { COMMON_ENV_OPTIONS, type EnvOptionSpec, optionsFromEnv } from '@darkroom/worker-runtime';
import type { ThumbnailOptions } from '@darkroom/image-ops';

/** Environment variables of the thumbnail worker: the box size plus the shared options. */
export const THUMBNAIL_ENV_OPTIONS = {
  ...COMMON_ENV_OPTIONS,
  width: { env: 'DARKROOM_THUMBNAIL_WIDTH', kind: 'integer' },
  height: { env: 'DARKROOM_THUMBNAIL_HEIGHT', kind: 'integer' },
} as const satisfies EnvOptionSpec;

/** @throws {ConfigError} naming each variable that does not parse. */
export function thumbnailOptionsFromEnv(env: NodeJS.ProcessEnv): ThumbnailOptions {
  return optionsFromEnv(THUMBNAIL_ENV_OPTIONS, env) as ThumbnailOptions;
}

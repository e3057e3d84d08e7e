import type { ThumbnailOptions } from '@darkroom/image-ops';
import { COMMON_ENV_OPTIONS, envInteger, optionsFromEnv } from '@darkroom/worker-runtime';

/** How the thumbnail worker's options parse: the box size plus the shared options. */
export const THUMBNAIL_ENV_OPTIONS = {
  ...COMMON_ENV_OPTIONS,
  width: envInteger,
  height: envInteger,
} as const;

/** @throws {ConfigError} naming each variable (the spec's `OPERATION_OPTION_ENV`) that does not parse. */
export function thumbnailOptionsFromEnv(env: NodeJS.ProcessEnv): ThumbnailOptions {
  return optionsFromEnv('thumbnail', THUMBNAIL_ENV_OPTIONS, env);
}

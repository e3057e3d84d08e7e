/**
 * What a smoke run sends and expects: the repository's sample photos (real photographs, LGPL-3.0,
 * packages/image-ops/NOTICE.md) and the thumbnail box the stack's workers use, resolved by
 * image-ops' own option schema (its defaults where the stack sets none).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { thumbnailOptionsSchema } from '@darkroom/image-ops';
import { SAMPLE_PHOTOS_DIR } from '@darkroom/image-ops/samples';
import { CliError } from '../exit-codes.ts';
import type { SmokePhoto } from './smoke.ts';
import type { Box } from './verify.ts';

/** The `count` smallest sample photos: a fast run that still exercises real JPEGs. */
export function samplePhotos(count = 3): SmokePhoto[] {
  return readdirSync(SAMPLE_PHOTOS_DIR)
    .filter((name) => name.endsWith('.jpg'))
    .map((name) => ({ name, bytes: readFileSync(join(SAMPLE_PHOTOS_DIR, name)) }))
    .sort((a, b) => a.bytes.length - b.bytes.length)
    .slice(0, count);
}

/** The box of a stack's thumbnail worker, from its `workers.thumbnail.operationOptions`. */
export function thumbnailBox(operationOptions: Readonly<Record<string, unknown>> = {}): Box {
  const parsed = thumbnailOptionsSchema.safeParse(operationOptions);
  if (!parsed.success)
    throw new CliError(`the stack's thumbnail options are not valid: ${parsed.error.message}`);
  return { width: parsed.data.width, height: parsed.data.height };
}

/** `--thumbnail-box 320x320`. */
export function parseBox(value: string): Box {
  const match = /^(\d+)x(\d+)$/.exec(value);
  const [width, height] = [Number(match?.[1]), Number(match?.[2])];
  if (!match || width < 1 || height < 1)
    throw new CliError(
      `--thumbnail-box must be WIDTHxHEIGHT, e.g. 256x256, received ${JSON.stringify(value)}`,
    );
  return { width, height };
}

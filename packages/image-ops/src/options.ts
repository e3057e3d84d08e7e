/**
 * Option schemas of the three operations. Limits live in one table so the checks and the error
 * messages cannot disagree. Every option is validated before any pixel is read.
 */
import { z } from 'zod';
import { InvalidOptionsError } from './errors.ts';

/** Numeric limits, shared by the schemas and the messages built from them. */
export const LIMITS = {
  quality: { min: 1, max: 100 },
  limitInputPixels: { min: 1, max: 1_000_000_000 },
  maxInputBytes: { min: 1, max: 1024 * 1024 * 1024 },
  boxSide: { min: 1, max: 16_384 },
  scale: { min: 0.01, max: 1 },
  opacity: { min: 0, max: 1 },
  margin: { min: 0, max: 0.25 },
} as const;

type Range = { readonly min: number; readonly max: number };

function intIn(range: Range) {
  const expectation = `must be an integer from ${range.min} to ${range.max}`;
  return z
    .number({ error: expectation })
    .int({ error: expectation })
    .min(range.min, { error: expectation })
    .max(range.max, { error: expectation });
}

function numberIn(range: Range) {
  const expectation = `must be a number from ${range.min} to ${range.max}`;
  return z
    .number({ error: expectation })
    .min(range.min, { error: expectation })
    .max(range.max, { error: expectation });
}

/** Gravities a watermark can be placed at. */
export const GRAVITIES = [
  'north',
  'northeast',
  'east',
  'southeast',
  'south',
  'southwest',
  'west',
  'northwest',
  'centre',
] as const;
export type Gravity = (typeof GRAVITIES)[number];

/** Defaults: 100 MP is a 12,000 × 8,000 frame, above any camera sold today. */
export const DEFAULT_LIMIT_INPUT_PIXELS = 100_000_000;
/** 200 MiB: a 100 MP 16-bit TIFF is about 600 MiB, but no JPEG of 100 MP comes near this. */
export const DEFAULT_MAX_INPUT_BYTES = 200 * 1024 * 1024;

const common = {
  /** JPEG quality, default 85. */
  quality: intIn(LIMITS.quality).default(85),
  /** Reject inputs with more pixels than this before decoding, default 100 MP. */
  limitInputPixels: intIn(LIMITS.limitInputPixels).default(DEFAULT_LIMIT_INPUT_PIXELS),
  /** Reject inputs larger than this many bytes while reading, default 200 MiB. */
  maxInputBytes: intIn(LIMITS.maxInputBytes).default(DEFAULT_MAX_INPUT_BYTES),
  /**
   * Huffman-optimise JPEG output. Default `false`: on 4–20 MP photos it makes files about 4 %
   * smaller but costs about a third of the CPU of a grayscale or watermark job (see the bench),
   * and a burst's drain time matters more than 4 % of storage.
   */
  optimiseCoding: z.boolean({ error: 'must be true or false' }).default(false),
};

export const grayscaleOptionsSchema = z.strictObject({ ...common });

export const thumbnailOptionsSchema = z.strictObject({
  ...common,
  /** Box width in pixels, default 256. */
  width: intIn(LIMITS.boxSide).default(256),
  /** Box height in pixels, default 256. */
  height: intIn(LIMITS.boxSide).default(256),
});

export const watermarkOptionsSchema = z.strictObject({
  ...common,
  /** Where the logo goes, default `southeast`. */
  gravity: z
    .enum(GRAVITIES, { error: `must be one of ${GRAVITIES.join(', ')}` })
    .default('southeast'),
  /** Logo width as a fraction of the photo's width, default 0.2. */
  scale: numberIn(LIMITS.scale).default(0.2),
  /** Logo opacity, default 0.7. */
  opacity: numberIn(LIMITS.opacity).default(0.7),
  /** Gap to the edges as a fraction of the photo's shorter side, default 0.03. */
  margin: numberIn(LIMITS.margin).default(0.03),
});

export type GrayscaleOptions = z.input<typeof grayscaleOptionsSchema>;
export type ThumbnailOptions = z.input<typeof thumbnailOptionsSchema>;
export type WatermarkOptions = z.input<typeof watermarkOptionsSchema>;
export type ResolvedGrayscaleOptions = z.output<typeof grayscaleOptionsSchema>;
export type ResolvedThumbnailOptions = z.output<typeof thumbnailOptionsSchema>;
export type ResolvedWatermarkOptions = z.output<typeof watermarkOptionsSchema>;

function received(input: unknown, path: readonly PropertyKey[]): string {
  let value: unknown = input;
  for (const key of path) {
    value =
      value !== null && typeof value === 'object'
        ? (value as Record<PropertyKey, unknown>)[key]
        : undefined;
  }
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return 'undefined';
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/**
 * Validate options with a schema, turning every issue into one readable sentence.
 *
 * @throws {InvalidOptionsError} naming each bad option, what it expects and what it received.
 * @example parseOptions('thumbnail', thumbnailOptionsSchema, { width: 0 })
 * // InvalidOptionsError: thumbnail option "width" must be an integer from 1 to 16384, received 0
 */
export function parseOptions<S extends z.ZodType>(
  operation: string,
  schema: S,
  input: unknown,
): z.output<S> {
  const result = schema.safeParse(input ?? {});
  if (result.success) return result.data;
  const sentences = result.error.issues.map((issue) => {
    if (issue.code === 'unrecognized_keys') {
      return `${operation} has no option ${issue.keys.map((k) => `"${k}"`).join(', ')}`;
    }
    const name = issue.path.map(String).join('.') || '(options)';
    return `${operation} option "${name}" ${issue.message}, received ${received(input, issue.path)}`;
  });
  throw new InvalidOptionsError(sentences.join('; '));
}

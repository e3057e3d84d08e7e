/**
 * Is a result what its operation makes? Judged from the decoded images alone, without the
 * workers' code: grayscale has one channel at the source's size; a thumbnail fits its box and
 * keeps the source's aspect; a watermark keeps the size and changes one compact area far more
 * than re-encoding changes the rest. Each returns a problem in words, or undefined.
 */
import type { Operation } from '@darkroom/pipeline-spec';
import sharp from 'sharp';

export interface Box {
  readonly width: number;
  readonly height: number;
}

interface Decoded {
  readonly width: number;
  readonly height: number;
  readonly channels: number;
}

/** Size as displayed (EXIF orientation applied) and channels as stored (decoding would add colour). */
async function decode(image: Buffer): Promise<Decoded> {
  const { width, height, channels, orientation = 1 } = await sharp(image).metadata();
  const turned = orientation >= 5;
  return { width: turned ? height : width, height: turned ? width : height, channels };
}

const size = (d: { width: number; height: number }) => `${d.width}×${d.height}`;

export function grayscaleProblem(source: Decoded, result: Decoded): string | undefined {
  if (result.channels !== 1) return `has ${result.channels} channels, not 1`;
  if (size(result) !== size(source)) return `is ${size(result)}, the source ${size(source)}`;
  return undefined;
}

export function thumbnailProblem(source: Decoded, result: Decoded, box: Box): string | undefined {
  if (result.width > box.width || result.height > box.height)
    return `is ${size(result)}, larger than its ${size(box)} box`;
  if (result.width !== box.width && result.height !== box.height && source.width > box.width)
    return `is ${size(result)}: touches neither side of its ${size(box)} box`;
  const aspect = (d: Decoded) => d.width / d.height;
  // Rounding to whole pixels moves the aspect by at most one pixel on the shorter side.
  const tolerance = 1 / Math.min(result.width, result.height) + 0.01;
  if (Math.abs(aspect(result) / aspect(source) - 1) > tolerance)
    return `is ${size(result)}: not the source's aspect (${size(source)})`;
  return undefined;
}

/**
 * Mean absolute difference per cell of a `grid`×`grid` split, on greyscale copies at one size.
 * A watermark shows as a cell far above the median; JPEG re-encoding moves every cell a little.
 */
async function cellDifferences(a: Buffer, b: Buffer, grid: number): Promise<number[]> {
  const side = grid * 16;
  const grey = (image: Buffer) =>
    sharp(image).rotate().resize(side, side, { fit: 'fill' }).greyscale().raw().toBuffer();
  const [x, y] = await Promise.all([grey(a), grey(b)]);
  const cells = new Array<number>(grid * grid).fill(0);
  for (let i = 0; i < x.length; i++) {
    const row = Math.floor(Math.floor(i / side) / 16);
    const column = Math.floor((i % side) / 16);
    cells[row * grid + column] =
      (cells[row * grid + column] ?? 0) + Math.abs((x[i] ?? 0) - (y[i] ?? 0)) / 256;
  }
  return cells;
}

export async function watermarkProblem(
  source: Buffer,
  result: Buffer,
  decoded: { source: Decoded; result: Decoded },
): Promise<string | undefined> {
  if (size(decoded.result) !== size(decoded.source))
    return `is ${size(decoded.result)}, the source ${size(decoded.source)}`;
  const cells = await cellDifferences(source, result, 16);
  const sorted = [...cells].sort((p, q) => p - q);
  const median = sorted[Math.floor(sorted.length / 2)] ?? 0;
  const strongest = sorted[sorted.length - 1] ?? 0;
  if (strongest < 8 || strongest < 4 * Math.max(median, 1))
    return `shows no watermark: the most changed area differs by ${strongest.toFixed(1)} levels, the median by ${median.toFixed(1)}`;
  return undefined;
}

/** The problem with `result` as `operation`'s output of `source`, if any. */
export async function resultProblem(
  operation: Operation,
  source: Buffer,
  result: Buffer,
  box: Box,
): Promise<string | undefined> {
  let decoded: { source: Decoded; result: Decoded };
  try {
    decoded = { source: await decode(source), result: await decode(result) };
  } catch (error) {
    return `is not a decodable image (${(error as Error).message})`;
  }
  if (operation === 'grayscale') return grayscaleProblem(decoded.source, decoded.result);
  if (operation === 'thumbnail') return thumbnailProblem(decoded.source, decoded.result, box);
  return watermarkProblem(source, result, decoded);
}

/**
 * The codec's floor: what libjpeg-turbo itself needs to decode and encode the same photo, through
 * its own command-line tools (Debian's libjpeg-turbo-progs, netpbm for the thumbnail's resize).
 * The pipes and PPM make it, if anything, slow: a ratio image-ops ÷ floor near 1 is at the floor.
 *
 * - grayscale: `djpeg -grayscale | cjpeg -grayscale -quality 85` (luma only, as libjpeg can);
 * - watermark: `djpeg | cjpeg -quality 85` (decode + encode, no overlay);
 * - thumbnail: `djpeg -scale 1/N | pamscale -xyfit 256 256 | cjpeg -quality 85` (N: the largest
 *   DCT shrink that keeps 256 px, libjpeg's shrink-on-load).
 */
import { spawn, spawnSync } from 'node:child_process';
import type { ImageOperationName } from '../src/index.ts';

const TOOLS = ['djpeg', 'cjpeg', 'pamscale'] as const;

/** Whether the floor's tools are installed (apt-get install libjpeg-turbo-progs netpbm). */
export function floorAvailable(): boolean {
  return TOOLS.every((tool) => spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0);
}

/** The largest libjpeg scale denominator (1, 2, 4, 8) that keeps the long side ≥ `box`. */
export function shrinkFor(width: number, height: number, box = 256): number {
  const long = Math.max(width, height);
  return [8, 4, 2].find((n) => long / n >= box) ?? 1;
}

const quote = (path: string) => `'${path.replace(/'/g, `'\\''`)}'`;

export function floorCommand(
  operation: ImageOperationName,
  photo: { path: string; width: number; height: number },
): string {
  const file = quote(photo.path);
  if (operation === 'grayscale') return `djpeg -grayscale ${file} | cjpeg -grayscale -quality 85`;
  if (operation === 'watermark') return `djpeg ${file} | cjpeg -quality 85`;
  return `djpeg -scale 1/${shrinkFor(photo.width, photo.height)} ${file} | pamscale -xyfit 256 256 | cjpeg -quality 85`;
}

/** Run one floor pipeline on one core; resolves with the output's size. */
export function runFloor(command: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-o', 'pipefail', '-c', command], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let bytes = 0;
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (bytes += chunk.byteLength));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 && bytes > 0
        ? resolve(bytes)
        : reject(new Error(`floor exited ${code}: ${stderr}`)),
    );
  });
}

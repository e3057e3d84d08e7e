/** Locate a real ImageMagick binary and run it the way a shell script would. */
import { spawn, spawnSync } from 'node:child_process';

const CANDIDATES = ['magick', 'convert-im6.q16', 'convert-im7', 'convert'];

/** First candidate whose `-version` says ImageMagick (a plain `convert` may be something else). */
export function findImageMagick(): string | undefined {
  for (const bin of CANDIDATES) {
    const probe = spawnSync(bin, ['-version'], { encoding: 'utf8' });
    if (probe.status === 0 && /ImageMagick/.test(probe.stdout)) return bin;
  }
  return undefined;
}

/** Run ImageMagick single-threaded (the same parallelism as sharp with concurrency 1); resolves with output bytes. */
export function runMagick(bin: string, args: readonly string[]): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, {
      env: { ...process.env, MAGICK_THREAD_LIMIT: '1', OMP_NUM_THREADS: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let bytes = 0;
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (bytes += chunk.byteLength));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(bytes) : reject(new Error(`${bin} exited ${code}: ${stderr}`)),
    );
  });
}

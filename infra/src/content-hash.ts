/**
 * A content hash of exactly what goes into one worker image, so its tag changes when — and only
 * when — the image would: an edit to another service or to the infra does not redeploy it.
 */
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import type { Operation } from '@darkroom/pipeline-spec';

const SKIP = new Set(['node_modules', 'dist', 'out-tsc', '.nx']);

function filesUnder(root: string, path: string): string[] {
  const full = join(root, path);
  if (statSync(full).isFile()) return [path];
  return readdirSync(full)
    .filter((entry) => !SKIP.has(entry) && !entry.endsWith('.test.ts'))
    .flatMap((entry) => filesUnder(root, join(path, entry)));
}

/** The repository paths an operation's image is built from (its Dockerfile's COPY sources that matter). */
export function imageInputs(operation: Operation): string[] {
  return [
    'package.json',
    'package-lock.json',
    'packages/image-ops',
    'packages/pipeline-spec',
    'packages/worker-runtime',
    'services/Dockerfile',
    `services/${operation}`,
  ];
}

/**
 * sha256 over the sorted paths and contents of an image's inputs, first 16 hex characters.
 * @example serviceContentHash('/repo', 'thumbnail') // 'a1b2c3d4e5f60718'
 */
export function serviceContentHash(repoRoot: string, operation: Operation): string {
  const hash = createHash('sha256');
  const files = imageInputs(operation)
    .flatMap((path) => filesUnder(repoRoot, path))
    .map((f) => relative(repoRoot, join(repoRoot, f)))
    .sort();
  for (const file of files) {
    hash
      .update(file)
      .update('\0')
      .update(readFileSync(join(repoRoot, file)))
      .update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

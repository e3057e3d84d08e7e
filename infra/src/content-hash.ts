/**
 * What goes into one worker image, exactly: the files `services/Dockerfile` COPYs from the build
 * context for that service (its COPY sources with SERVICE substituted, minus `.dockerignore`),
 * the Dockerfile itself and the build arguments. The image's tag is a hash of that, and the image
 * is built from a staged context holding only those files, so the builder's own context hash
 * (which decides whether to rebuild and push) changes exactly when the tag does: an edit to
 * another service, to the infra or to a README neither rebuilds nor pushes to an existing
 * IMMUTABLE tag.
 */
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readFileSync,
  readdirSync,
  rmSync,
  statSync,
} from 'node:fs';
import { dirname, join, matchesGlob } from 'node:path';
import type { ImageService } from '@darkroom/pipeline-spec';

export const DOCKERFILE = 'services/Dockerfile';

/** A COPY source that does not exist: the Dockerfile and the repository disagree. */
export class ImageContextError extends Error {
  override readonly name = 'ImageContextError';
}

/** Logical lines of a Dockerfile: continuations joined, comments and blanks dropped. */
function dockerfileLines(text: string): string[] {
  return text
    .replace(/\\\r?\n/g, ' ')
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
}

/**
 * The context paths a Dockerfile COPYs for a service (stage-to-stage `COPY --from` excluded).
 * @example copySources(dockerfileText, 'thumbnail') // ['package.json', …, 'services/thumbnail/']
 */
export function copySources(dockerfile: string, operation: ImageService): string[] {
  const sources: string[] = [];
  for (const line of dockerfileLines(dockerfile)) {
    const words = line.split(/\s+/);
    if (words[0]?.toUpperCase() !== 'COPY' && words[0]?.toUpperCase() !== 'ADD') continue;
    const args = words.slice(1);
    if (args.some((arg) => arg.startsWith('--from'))) continue;
    const paths = args.filter((arg) => !arg.startsWith('--'));
    for (const source of paths.slice(0, -1))
      sources.push(source.replace(/\$\{SERVICE\}|\$SERVICE\b/g, operation));
  }
  return sources;
}

/** `.dockerignore` patterns (negations are not used here and not supported). */
function ignorePatterns(repoRoot: string): string[] {
  const file = join(repoRoot, '.dockerignore');
  if (!existsSync(file)) return [];
  return dockerfileLines(readFileSync(file, 'utf8')).map((p) => p.replace(/^\/|\/$/g, ''));
}

/** Docker semantics: a path is excluded when it or one of its parent directories matches. */
function isIgnored(path: string, patterns: readonly string[]): boolean {
  const parts = path.split('/');
  return parts.some((_, i) => {
    const prefix = parts.slice(0, i + 1).join('/');
    return patterns.some((pattern) => matchesGlob(prefix, pattern));
  });
}

function filesUnder(repoRoot: string, path: string, patterns: readonly string[]): string[] {
  if (isIgnored(path, patterns)) return [];
  const full = join(repoRoot, path);
  if (!existsSync(full))
    throw new ImageContextError(`${DOCKERFILE} copies ${path}, which does not exist`);
  if (statSync(full).isFile()) return [path];
  return readdirSync(full)
    .sort()
    .flatMap((entry) => filesUnder(repoRoot, `${path}/${entry}`, patterns));
}

/** Every file of a service's image build context, sorted, relative to the repository root. */
export function imageContextFiles(repoRoot: string, operation: ImageService): string[] {
  const patterns = ignorePatterns(repoRoot);
  const sources = copySources(readFileSync(join(repoRoot, DOCKERFILE), 'utf8'), operation);
  const files = sources.flatMap((source) =>
    filesUnder(repoRoot, source.replace(/^\.?\/+|\/+$/g, ''), patterns),
  );
  return [...new Set([DOCKERFILE, ...files])].sort();
}

/**
 * sha256 over the build arguments and the paths, modes and contents of a service's image
 * context, first 16 hex characters.
 * @example serviceContentHash('/repo', 'thumbnail') // 'a1b2c3d4e5f60718'
 */
export function serviceContentHash(
  repoRoot: string,
  operation: ImageService,
  buildArgs: Readonly<Record<string, string>> = { SERVICE: operation },
): string {
  const hash = createHash('sha256');
  for (const [name, value] of Object.entries(buildArgs).sort(([a], [b]) => a.localeCompare(b)))
    hash.update(`arg ${name}=${value}\0`);
  for (const file of imageContextFiles(repoRoot, operation)) {
    const full = join(repoRoot, file);
    hash.update(`${file}\0${(statSync(full).mode & 0o111).toString(8)}\0`);
    hash.update(readFileSync(full)).update('\0');
  }
  return hash.digest('hex').slice(0, 16);
}

/**
 * Copy exactly a service's image context to `dir` (emptied first), keeping executable bits.
 * @returns the staged Dockerfile's path.
 */
export function stageImageContext(repoRoot: string, operation: ImageService, dir: string): string {
  const files = imageContextFiles(repoRoot, operation);
  rmSync(dir, { recursive: true, force: true });
  for (const file of files) {
    const target = join(dir, file);
    mkdirSync(dirname(target), { recursive: true });
    copyFileSync(join(repoRoot, file), target);
    chmodSync(target, statSync(join(repoRoot, file)).mode & 0o777);
  }
  return join(dir, DOCKERFILE);
}

/** Where the Pulumi program and `nx image` stage a service's context (gitignored `dist/`). */
export function imageContextDir(repoRoot: string, operation: ImageService): string {
  return join(repoRoot, 'dist', 'image-context', operation);
}

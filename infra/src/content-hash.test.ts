import { createHash } from 'node:crypto';
import {
  appendFileSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { OPERATIONS, type Operation } from '@darkroom/pipeline-spec';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  ImageContextError,
  copySources,
  imageContextFiles,
  serviceContentHash,
  stageImageContext,
} from './content-hash.ts';
import { REPO_ROOT } from './testing/stacks.ts';

/** Files outside every image's context, edited to prove they do not retag anything. */
const UNRELATED = [
  'infra/src/darkroom.ts',
  'packages/local-pipeline/src/cli.ts',
  'packages/image-ops/README.md',
  'packages/image-ops/src/operations.test.ts',
  'README.md',
];

let repo: string;

function copyIntoRepo(file: string): void {
  mkdirSync(dirname(join(repo, file)), { recursive: true });
  copyFileSync(join(REPO_ROOT, file), join(repo, file));
}

function tags(): Record<Operation, string> {
  return Object.fromEntries(OPERATIONS.map((op) => [op, serviceContentHash(repo, op)])) as Record<
    Operation,
    string
  >;
}

/** What a builder hashes to decide on a rebuild: every staged file's path and contents. */
function stagedDigest(op: Operation): string {
  const dir = join(repo, 'staged', op);
  stageImageContext(repo, op, dir);
  const hash = createHash('sha256');
  const walk = (path: string): void => {
    for (const entry of readdirSync(path, { withFileTypes: true }).sort((a, b) =>
      a.name.localeCompare(b.name),
    )) {
      const full = join(path, entry.name);
      if (entry.isDirectory()) walk(full);
      else hash.update(relative(dir, full)).update(readFileSync(full));
    }
  };
  walk(dir);
  return hash.digest('hex');
}

beforeEach(() => {
  repo = mkdtempSync(join(tmpdir(), 'darkroom-image-hash-'));
  const files = new Set([...OPERATIONS.flatMap((op) => imageContextFiles(REPO_ROOT, op))]);
  for (const file of [...files, ...UNRELATED, '.dockerignore']) copyIntoRepo(file);
});

afterEach(() => rmSync(repo, { recursive: true, force: true }));

describe('image tags (pushed to IMMUTABLE ECR tags)', () => {
  it('stay the same when an unrelated file changes, so nothing is rebuilt or pushed twice', () => {
    const before = tags();
    const staged = OPERATIONS.map(stagedDigest);
    for (const file of UNRELATED) appendFileSync(join(repo, file), '\n// edited\n');
    expect(tags()).toEqual(before);
    expect(OPERATIONS.map(stagedDigest)).toEqual(staged);
  });

  it('all change when image-ops source changes, since every worker bundles it', () => {
    const before = tags();
    appendFileSync(join(repo, 'packages/image-ops/src/grayscale.ts'), '\n// edited\n');
    const after = tags();
    for (const op of OPERATIONS) expect(after[op]).not.toBe(before[op]);
  });

  it('change only for the service whose source changed', () => {
    const before = tags();
    appendFileSync(join(repo, 'services/thumbnail/src/options.ts'), '\n// edited\n');
    const after = tags();
    expect(after.thumbnail).not.toBe(before.thumbnail);
    expect(after.grayscale).toBe(before.grayscale);
    expect(after.watermark).toBe(before.watermark);
  });

  it('all change when the lockfile, the Dockerfile or a base image argument changes', () => {
    const before = tags();
    appendFileSync(join(repo, 'package-lock.json'), '\n');
    const lockfile = tags();
    appendFileSync(join(repo, 'services/Dockerfile'), '\n# edited\n');
    const dockerfile = tags();
    for (const op of OPERATIONS) {
      expect(lockfile[op]).not.toBe(before[op]);
      expect(dockerfile[op]).not.toBe(lockfile[op]);
    }
    expect(
      serviceContentHash(repo, 'grayscale', { SERVICE: 'grayscale', NODE_IMAGE: 'node:24.99' }),
    ).not.toBe(dockerfile.grayscale);
  });
});

describe('image build context', () => {
  it('is exactly what the Dockerfile COPYs for the service, and nothing of the others', () => {
    const files = imageContextFiles(REPO_ROOT, 'thumbnail');
    expect(files).toContain('services/Dockerfile');
    expect(files).toContain('package-lock.json');
    expect(files).toContain('services/thumbnail/src/main.ts');
    expect(files).toContain('packages/image-ops/src/thumbnail.ts');
    // Other services contribute only their manifests (npm ci checks the lockfile against them).
    expect(files.filter((f) => f.startsWith('services/grayscale/'))).toEqual([
      'services/grayscale/package.json',
    ]);
    expect(files.some((f) => f.startsWith('infra/src') || f.includes('local-pipeline/src'))).toBe(
      false,
    );
    expect(files.some((f) => f.endsWith('.test.ts') || f.includes('node_modules'))).toBe(false);
  });

  it('is staged file for file, so a stale file from an earlier staging never lingers', () => {
    const dir = join(repo, 'staged', 'watermark');
    mkdirSync(join(dir, 'stale'), { recursive: true });
    writeFileSync(join(dir, 'stale', 'old.ts'), 'old');
    const dockerfile = stageImageContext(repo, 'watermark', dir);
    expect(dockerfile).toBe(join(dir, 'services/Dockerfile'));
    const staged: string[] = [];
    const walk = (path: string): void => {
      for (const entry of readdirSync(path, { withFileTypes: true }))
        if (entry.isDirectory()) walk(join(path, entry.name));
        else staged.push(relative(dir, join(path, entry.name)));
    };
    walk(dir);
    expect(staged.sort()).toEqual(imageContextFiles(repo, 'watermark'));
  });

  it("copies every workspace's manifest, so npm ci inside the image accepts the lockfile", () => {
    const root = JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as {
      workspaces: string[];
    };
    const manifests = root.workspaces.flatMap((pattern) => {
      if (!pattern.endsWith('/*')) return [`${pattern}/package.json`];
      const dir = pattern.slice(0, -2);
      return readdirSync(join(REPO_ROOT, dir), { withFileTypes: true })
        .filter((e) => e.isDirectory() && existsSync(join(REPO_ROOT, dir, e.name, 'package.json')))
        .map((e) => `${dir}/${e.name}/package.json`);
    });
    expect(manifests.length).toBeGreaterThan(5);
    for (const op of OPERATIONS)
      expect(imageContextFiles(REPO_ROOT, op)).toEqual(expect.arrayContaining(manifests));
  });

  it('reads COPY sources with SERVICE substituted and stage-to-stage copies left out', () => {
    const dockerfile = [
      'FROM node AS build',
      'COPY package.json \\',
      '     package-lock.json ./',
      'COPY --chown=1:1 services/${SERVICE}/ services/${SERVICE}/',
      'COPY --from=build /repo/dist/main.js /app/',
      '# COPY commented/out ./',
    ].join('\n');
    expect(copySources(dockerfile, 'watermark')).toEqual([
      'package.json',
      'package-lock.json',
      'services/watermark/',
    ]);
  });

  it('fails with a typed error when the Dockerfile copies a path that does not exist', () => {
    appendFileSync(join(repo, 'services/Dockerfile'), '\nCOPY packages/gone/ packages/gone/\n');
    expect(() => serviceContentHash(repo, 'grayscale')).toThrow(ImageContextError);
  });
});

import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const script = fileURLToPath(new URL('../bin/runtime-manifest.mjs', import.meta.url));

interface LockEntry {
  version?: string;
  integrity?: string;
  optional?: boolean;
  cpu?: string[];
  os?: string[];
}

function runtimeLock(service: string): Record<string, LockEntry> {
  const out = mkdtempSync(join(tmpdir(), 'darkroom-runtime-lock-'));
  try {
    execFileSync(process.execPath, [script, service, out], { cwd: repoRoot, stdio: 'pipe' });
    const lock = JSON.parse(readFileSync(join(out, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, LockEntry>;
    };
    return lock.packages;
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}

describe("an image's runtime lockfile (cut from package-lock.json by bin/runtime-manifest.mjs)", () => {
  it('pins sharp and its libvips binaries for both linux/amd64 and linux/arm64 (Graviton nodes)', () => {
    const packages = runtimeLock('thumbnail');
    for (const name of [
      'sharp',
      '@img/sharp-linux-x64',
      '@img/sharp-libvips-linux-x64',
      '@img/sharp-linux-arm64',
      '@img/sharp-libvips-linux-arm64',
    ]) {
      const entry = packages[`node_modules/${name}`];
      expect(entry, name).toBeDefined();
      expect(entry?.integrity, name).toMatch(/^sha512-/);
    }
    expect(packages['node_modules/@img/sharp-linux-arm64']).toMatchObject({
      optional: true,
      cpu: ['arm64'],
      os: ['linux'],
    });
  });

  it('holds nothing but what sharp needs: no AWS SDK, no workspace packages', () => {
    const leaf = (key: string) =>
      key.slice(key.lastIndexOf('node_modules/') + 'node_modules/'.length);
    const names = Object.keys(runtimeLock('grayscale'))
      .filter((k) => k !== '')
      .map(leaf);
    expect(names).toContain('sharp');
    expect(
      names.filter((n) => !/^(sharp|@img\/.+|detect-libc|semver|tslib|@emnapi\/.+)$/.test(n)),
    ).toEqual([]);
  });
});

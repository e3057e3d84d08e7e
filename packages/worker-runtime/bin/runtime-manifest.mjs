#!/usr/bin/env node
// Writes <out>/package.json and <out>/package-lock.json holding only a service's runtime
// dependencies (sharp and what it needs), cut from the workspace lockfile, so the image's
// `npm ci --omit=dev` installs exactly the locked versions and integrity hashes — including
// every platform's optional @img/sharp-* entry, so the same lockfile serves amd64 and arm64.
// Usage (from the repository root): node runtime-manifest.mjs <service> <out-dir>
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [service, outDir] = process.argv.slice(2);
if (!service || !outDir) {
  console.error('usage: runtime-manifest.mjs <service> <out-dir>');
  process.exit(2);
}
const lock = JSON.parse(readFileSync('package-lock.json', 'utf8'));
const servicePath = `services/${service}`;
const manifest = JSON.parse(readFileSync(join(servicePath, 'package.json'), 'utf8'));

/** Node's lookup: <from>/node_modules/<name>, then each enclosing node_modules up to the root. */
function resolve(from, name) {
  let dir = from;
  for (;;) {
    const key = `${dir ? `${dir}/` : ''}node_modules/${name}`;
    if (lock.packages[key]) return key;
    if (!dir) return undefined;
    const cut = dir.lastIndexOf('/node_modules/');
    dir = cut < 0 ? '' : dir.slice(0, cut);
  }
}

const picked = new Map();
function visit(from, deps, optional) {
  for (const name of Object.keys(deps ?? {})) {
    const key = resolve(from, name);
    if (!key) {
      if (optional) continue;
      throw new Error(`${name} (needed by ${from || 'the service'}) is not in package-lock.json`);
    }
    if (picked.has(key)) continue;
    const entry = lock.packages[key];
    picked.set(key, entry);
    visit(key, entry.dependencies, false);
    visit(key, entry.optionalDependencies, true);
  }
}
visit(servicePath, manifest.dependencies, false);

// One name for every service: identical manifests let the image builds share the install layer.
const name = 'darkroom-worker-image';
const root = { name, version: '0.0.0', private: true, dependencies: manifest.dependencies };
const packages = { '': root };
for (const [key, entry] of [...picked].sort(([a], [b]) => a.localeCompare(b)))
  packages[key.startsWith(`${servicePath}/`) ? key.slice(servicePath.length + 1) : key] = entry;
mkdirSync(outDir, { recursive: true });
writeFileSync(
  join(outDir, 'package.json'),
  `${JSON.stringify({ ...root, type: 'module' }, null, 2)}\n`,
);
writeFileSync(
  join(outDir, 'package-lock.json'),
  `${JSON.stringify({ name, version: '0.0.0', lockfileVersion: 3, requires: true, packages }, null, 2)}\n`,
);
console.log(
  `${outDir}: ${picked.size} locked packages for ${Object.keys(root.dependencies ?? {}).join(', ')}`,
);

#!/usr/bin/env node
// Bundle a worker service (run from its folder) into dist/main.js: one ESM file with everything
// but sharp, whose native binaries are installed beside it (see the service's Dockerfile).
import { build } from 'esbuild';

const result = await build({
  entryPoints: ['src/main.ts'],
  outfile: 'dist/main.js',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  conditions: ['@darkroom/source'],
  external: ['sharp'],
  sourcemap: 'linked',
  legalComments: 'linked',
  metafile: true,
  logLevel: 'warning',
  // CommonJS dependencies bundled into ESM still call require() for Node built-ins.
  banner: {
    js: "import { createRequire as __darkroomCreateRequire } from 'node:module'; const require = __darkroomCreateRequire(import.meta.url);",
  },
});
const bytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
console.log(`bundled dist/main.js (${(bytes / 1024).toFixed(0)} KiB with map)`);

/** The `darkroom` executable as npx runs it: help, exit codes, the --local target file. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const BIN = new URL('../bin/darkroom.js', import.meta.url).pathname;
const run = (args: string[], cwd?: string) =>
  spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8',
    timeout: 60_000,
    ...(cwd ? { cwd } : {}),
  });

describe('darkroom executable', () => {
  it('--help lists every command and exits 0', () => {
    const r = run(['--help']);
    expect(r.status, r.stderr).toBe(0);
    for (const command of ['preflight', 'upload', 'status', 'results', 'failed', 'redrive'])
      expect(r.stdout).toMatch(new RegExp(`^  ${command}\\b`, 'm'));
  });

  it('exits 64 on an unknown option or a missing required one', () => {
    expect(run(['status', '--frobnicate']).status).toBe(64);
    const noOp = run(['--local', 'upload', '.']);
    expect(noOp.status).toBe(64);
    expect(noOp.stderr).toMatch(/required option '--op <ops>' not specified/);
  });

  it('--local without a running `npm start -- --keep-running` says where it looked (exit 64)', () => {
    const r = run(['--local', 'status'], mkdtempSync(join(tmpdir(), 'darkroom-cwd-')));
    expect(r.status).toBe(64);
    expect(r.stderr).toMatch(/cannot read stack outputs \.darkroom\/local\.json/);
  });
});

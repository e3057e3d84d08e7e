import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from './cli-main.ts';

function run(args: string[]): { code: number; out: string; err: string } {
  let out = '';
  let err = '';
  const code = runCli(args, { stdout: (t) => (out += t), stderr: (t) => (err += t) });
  return { code, out, err };
}

describe('npm run plan', () => {
  it('writes the summary, a self-contained SVG chart and the same numbers as JSON side by side', () => {
    const dir = mkdtempSync(join(tmpdir(), 'planner-cli-'));
    const { code, out } = run(['--stack', 'dev', '--burst', '400', '--out', dir]);
    expect(code).toBe(0);
    const json = JSON.parse(readFileSync(join(dir, 'dev-400.json'), 'utf8')) as {
      summary: { drainSeconds: number; nodeMinutes: number };
    };
    expect(out).toContain(`Drain time: ${Math.round(json.summary.drainSeconds)} s`);
    expect(out).toContain(`Node-minutes: ${json.summary.nodeMinutes.toFixed(1)}`);
    const svg = readFileSync(join(dir, 'dev-400.svg'), 'utf8');
    expect(svg.startsWith('<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    expect(svg).not.toMatch(/<script|href=/);
    expect(existsSync(join(dir, 'dev-400.txt'))).toBe(true);
  });

  it('exits 2 when a target cannot be met and says which step takes the time', () => {
    const dir = mkdtempSync(join(tmpdir(), 'planner-cli-'));
    const { code, out } = run(['--stack', 'dev', '--burst', '300', '--target', '1s', '--out', dir]);
    expect(code).toBe(2);
    expect(out).toMatch(/NOT met/);
    expect(out).toMatch(/Where the time goes[\s\S]*last photo done/);
  });

  it('exits 1 with a clear message on bad flags', () => {
    expect(run(['--burst', '10']).err).toMatch(/--stack is required/);
    expect(run(['--stack', 'dev', '--mix', '1,2']).code).toBe(1);
    expect(run(['--stack', 'dev', '--compare', 'other']).err).toMatch(/only "seed"/);
  });
});

/**
 * Recording fakes for the .ci/ scripts' tests: a sandbox repository (a copy of .ci/ plus the files
 * a test writes), a bin directory of fake tools that log their argv and answer by argv prefix,
 * and a PATH holding only those fakes and the system utilities the scripts use, so a real
 * `pulumi` or `podman` on this machine can never be called by accident.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** What a fake answers to argv starting with `prefix` (space-joined): stdout and exit code. */
export interface FakeRule {
  readonly prefix: string;
  readonly stdout?: string;
  readonly exitCode?: number;
}

/** The utilities the scripts may use besides the fakes. */
const SYSTEM_TOOLS = [
  'bash',
  'env',
  'sed',
  'grep',
  'cat',
  'tee',
  'tail',
  'head',
  'mkdir',
  'rm',
  'mktemp',
  'dirname',
  'basename',
  'id',
  'tr',
  'node',
  'sort',
  'printf',
];

export interface Sandbox {
  readonly root: string;
  readonly bin: string;
  /** Add or replace a fake tool; it also logs `env NAME=value|<unset>` for each of `logEnv`. */
  fake(tool: string, rules?: readonly FakeRule[], logEnv?: readonly string[]): void;
  write(path: string, text: string): void;
  read(path: string): string;
  /** Run a script of the sandbox's .ci/ with only the fakes and SYSTEM_TOOLS on PATH. */
  run(script: string, args: readonly string[], env?: Record<string, string>): RunResult;
  /** Every fake call so far, as `tool arg arg…` lines. */
  calls(): string[];
}

export interface RunResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function sandbox(): Sandbox {
  const root = mkdtempSync(join(tmpdir(), 'darkroom-ci-'));
  const bin = join(root, '.fake-bin');
  const log = join(root, '.fake-calls');
  mkdirSync(bin);
  writeFileSync(log, '');
  cpSync(join(REPO_ROOT, '.ci'), join(root, '.ci'), { recursive: true });
  for (const tool of SYSTEM_TOOLS) {
    const found = spawnSync('bash', ['-c', `command -v ${tool}`], {
      encoding: 'utf8',
    }).stdout.trim();
    if (found) symlinkSync(found, join(bin, tool));
  }
  const fake = (tool: string, rules: readonly FakeRule[] = [], logEnv: readonly string[] = []) => {
    const rulesDir = join(root, '.fake-rules', tool);
    mkdirSync(rulesDir, { recursive: true });
    const table = rules
      .map((rule, i) => {
        const out = join(rulesDir, `${i}.out`);
        writeFileSync(out, rule.stdout ?? '');
        return `${rule.prefix}\t${out}\t${rule.exitCode ?? 0}`;
      })
      .join('\n');
    writeFileSync(join(rulesDir, 'table'), table ? `${table}\n` : '');
    const script = [
      '#!/usr/bin/env bash',
      `{ printf '%s' ${tool}; printf ' %s' "$@"; printf '\\n'; } >>'${log}'`,
      ...logEnv.map(
        (name) => `printf '%s env ${name}=%s\\n' ${tool} "\${${name}-<unset>}" >>'${log}'`,
      ),
      'args="$*"',
      "while IFS=$'\\t' read -r prefix out code; do",
      '  if [[ "$args" == "$prefix"* ]]; then cat "$out"; exit "$code"; fi',
      `done <'${join(rulesDir, 'table')}'`,
      'exit 0',
    ].join('\n');
    writeFileSync(join(bin, tool), `${script}\n`);
    chmodSync(join(bin, tool), 0o755);
  };
  const write = (path: string, text: string) => {
    mkdirSync(dirname(join(root, path)), { recursive: true });
    writeFileSync(join(root, path), text);
  };
  return {
    root,
    bin,
    fake,
    write,
    read: (path) => readFileSync(join(root, path), 'utf8'),
    run(script, args, env = {}) {
      const result = spawnSync(join(bin, 'bash'), [join(root, '.ci', script), ...args], {
        cwd: root,
        encoding: 'utf8',
        env: { PATH: bin, HOME: root, ...env },
        timeout: 20_000,
      });
      return { code: result.status, stdout: result.stdout, stderr: result.stderr };
    },
    calls: () =>
      readFileSync(log, 'utf8')
        .split('\n')
        .filter((line) => line !== ''),
  };
}

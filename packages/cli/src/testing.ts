/** Test helpers: run the CLI in-process and capture what a user would see. */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { OPERATIONS, type Operation } from '@darkroom/pipeline-spec';
import { runCli } from './program.ts';

export interface CliRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

export async function cli(
  args: readonly string[],
  options: { tty?: boolean } = {},
): Promise<CliRun> {
  let stdout = '';
  let stderr = '';
  const code = await runCli(args, {
    stdout: (t) => void (stdout += t),
    stderr: (t) => void (stderr += t),
    tty: options.tty ?? false,
    pulumi: () => undefined,
    pulumiConfig: () => undefined,
  });
  return { code, stdout, stderr };
}

/** JSON output of a `--json` run (the last document when a watch printed several lines). */
export function lastJson<T>(run: CliRun): T {
  const start = run.stdout.lastIndexOf('\n{\n');
  return JSON.parse(start >= 0 ? run.stdout.slice(start + 1) : run.stdout) as T;
}

export interface EmulatorTopology {
  readonly bucket: string;
  readonly queues: Readonly<Record<Operation, { queueUrl: string; deadLetterQueueUrl: string }>>;
}

/**
 * Write the local target file as `npm start -- --keep-running` does, with the emulator's
 * administrator credentials (the emulator enforces IAM; an unknown key is refused); returns its path.
 */
export function writeTarget(
  dir: string,
  endpoint: string,
  topology: EmulatorTopology,
  credentials: { readonly accessKeyId: string; readonly secretAccessKey: string },
): string {
  const byOp = (pick: (q: { queueUrl: string; deadLetterQueueUrl: string }) => string) =>
    Object.fromEntries(OPERATIONS.map((op) => [op, pick(topology.queues[op])]));
  const path = join(dir, 'local.json');
  writeFileSync(
    path,
    JSON.stringify({
      bucketName: topology.bucket,
      queueUrls: byOp((q) => q.queueUrl),
      deadLetterQueueUrls: byOp((q) => q.deadLetterQueueUrl),
      endpoint,
      region: 'us-east-1',
      credentials,
    }),
  );
  return path;
}

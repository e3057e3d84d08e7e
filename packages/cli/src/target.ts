/**
 * Where the commands act: the local emulator (`--local`, from the file `npm start -- --keep-running`
 * writes) or a deployed stack (`--stack dev`, from `pulumi stack output --json`, or `--outputs FILE`
 * when the Pulumi CLI is not installed). Both have the shape of the Pulumi program's stack outputs.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { LOCAL_TARGET_FILE, OPERATIONS, type Operation } from '@darkroom/pipeline-spec';
import { z } from 'zod';
import { CliError } from './exit-codes.ts';

const byOperation = z.object(
  Object.fromEntries(OPERATIONS.map((op) => [op, z.string().min(1)])) as Record<
    Operation,
    z.ZodString
  >,
);

/** The stack outputs the CLI reads (other outputs are ignored), plus the local emulator's extras. */
export const stackOutputsSchema = z.object({
  bucketName: z.string().min(1),
  queueUrls: byOperation,
  deadLetterQueueUrls: byOperation,
  clusterName: z.string().optional(),
  endpoint: z.string().url().optional(),
  region: z.string().optional(),
  credentials: z.object({ accessKeyId: z.string(), secretAccessKey: z.string() }).optional(),
});
export type StackOutputs = z.infer<typeof stackOutputsSchema>;

export interface QueuePair {
  readonly queueUrl: string;
  readonly deadLetterQueueUrl: string;
}

export interface Target {
  readonly kind: 'local' | 'stack';
  /** For messages: `local (http://127.0.0.1:…)` or `stack dev`. */
  readonly label: string;
  readonly bucket: string;
  readonly region: string | undefined;
  readonly endpoint: string | undefined;
  readonly credentials: { accessKeyId: string; secretAccessKey: string } | undefined;
  readonly queues: Readonly<Record<Operation, QueuePair>>;
  readonly clusterName: string | undefined;
}

export interface TargetOptions {
  readonly local?: boolean;
  readonly stack?: string;
  readonly outputs?: string;
  readonly endpoint?: string;
  readonly region?: string;
}

/** Runs `pulumi stack output --json`; `undefined` when the Pulumi CLI is not installed. */
export type PulumiRunner = (stack: string) => string | undefined;

export const runPulumi: PulumiRunner = (stack) => {
  try {
    return execFileSync('pulumi', ['stack', 'output', '--json', '--stack', stack], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'pipe'],
    });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    const stderr = String((error as { stderr?: unknown }).stderr ?? '').trim();
    throw new CliError(`pulumi stack output --stack ${stack} failed: ${stderr || String(error)}`);
  }
};

/** The region in an SQS queue URL (`https://sqs.<region>.amazonaws.com/…`), if it names one. */
export function regionOfQueueUrl(url: string): string | undefined {
  return /^https:\/\/sqs\.([a-z0-9-]+)\.amazonaws\.com\//.exec(url)?.[1];
}

/** Validate outputs JSON (from Pulumi or a file), naming what is missing. */
export function parseStackOutputs(text: string, source: string): StackOutputs {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new CliError(`${source} is not JSON`);
  }
  const parsed = stackOutputsSchema.safeParse(json);
  if (!parsed.success)
    throw new CliError(
      `${source} is not a Darkroom stack's outputs: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'} ${i.message}`).join('; ')}`,
    );
  return parsed.data;
}

function readOutputsFile(path: string): StackOutputs {
  let text: string;
  try {
    text = readFileSync(resolve(path), 'utf8');
  } catch (error) {
    throw new CliError(`cannot read stack outputs ${path}: ${(error as Error).message}`);
  }
  return parseStackOutputs(text, path);
}

function targetOf(
  kind: Target['kind'],
  label: string,
  o: StackOutputs,
  opts: TargetOptions,
): Target {
  const queues = Object.fromEntries(
    OPERATIONS.map((op) => [
      op,
      { queueUrl: o.queueUrls[op], deadLetterQueueUrl: o.deadLetterQueueUrls[op] },
    ]),
  ) as Record<Operation, QueuePair>;
  return {
    kind,
    label,
    bucket: o.bucketName,
    region: opts.region ?? o.region ?? regionOfQueueUrl(o.queueUrls.grayscale),
    endpoint: opts.endpoint ?? o.endpoint,
    credentials: o.credentials,
    queues,
    clusterName: o.clusterName,
  };
}

/**
 * Resolve the target from the global options.
 * @throws {CliError} (exit 64) when none or both targets are given, or the outputs are unreadable.
 */
export function resolveTarget(opts: TargetOptions, pulumi: PulumiRunner = runPulumi): Target {
  if (opts.local && opts.stack) throw new CliError('choose one target: --local or --stack NAME');
  if (opts.endpoint !== undefined && !/^https?:\/\/[^/\s]+/.test(opts.endpoint))
    throw new CliError(
      `--endpoint must be an http(s) URL like http://127.0.0.1:4566, received ${JSON.stringify(opts.endpoint)}`,
    );
  if (opts.local) {
    const file = opts.outputs ?? LOCAL_TARGET_FILE;
    const outputs = readOutputsFile(file);
    return targetOf('local', `local (${opts.endpoint ?? outputs.endpoint ?? file})`, outputs, opts);
  }
  if (opts.outputs)
    return targetOf('stack', opts.stack ?? opts.outputs, readOutputsFile(opts.outputs), opts);
  if (opts.stack) {
    const text = pulumi(opts.stack);
    if (text === undefined)
      throw new CliError(
        `the Pulumi CLI is not installed: pass --outputs FILE (written by \`pulumi stack output --json --stack ${opts.stack} > ${opts.stack}.json\` where Pulumi is)`,
      );
    return targetOf(
      'stack',
      `stack ${opts.stack}`,
      parseStackOutputs(text, `stack ${opts.stack} outputs`),
      opts,
    );
  }
  throw new CliError(
    `no target: pass --local (after \`npm start -- --keep-running\`) or --stack NAME (or --outputs FILE)`,
  );
}

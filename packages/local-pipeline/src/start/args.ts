/** `npm start`'s options, parsed and checked: every mistake is a `StartArgsError` saying which option and what it got. */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { SAMPLE_PHOTOS_DIR } from '@darkroom/image-ops/samples';
import {
  LOCAL_TARGET_FILE,
  OPERATIONS,
  type Operation,
  VISIBILITY_TIMEOUT_SECONDS,
  isOperation,
} from '@darkroom/pipeline-spec';

export const USAGE = `Usage: npm start [-- options]

  --input DIR        photos to upload, recursively (default: the sample photos)
  --ops a,b          operations to run (default: ${OPERATIONS.join(',')})
  --mix 40,40,20     split the photos between the operations instead of sending each to all
  --workers N        worker processes per operation (default: sized to the CPUs)
  --concurrency N    photos in flight per worker (default 1)
  --out DIR          where results are downloaded (default ./darkroom-out)
  --visibility-timeout S
                     seconds before photos held by a dead worker go to another (default ${VISIBILITY_TIMEOUT_SECONDS})
  --keep-running     leave the emulator and workers up, print how to reach them and write
                     ${LOCAL_TARGET_FILE}, the target \`npx darkroom --local …\` reads
  --no-iam           do not enforce IAM in the emulator (debugging; on by default)
  -h, --help         this text

Exit code: 0 all photos done, 2 some in a dead-letter queue, 1 crash or a worker that kept dying.
`;

export class StartArgsError extends Error {
  override readonly name = 'StartArgsError';
  /** An option npm start does not have: the usage says which it has. */
  readonly showUsage: boolean;
  constructor(message: string, showUsage = false) {
    super(message);
    this.showUsage = showUsage;
  }
}

export interface StartOptions {
  readonly inputDir: string;
  readonly operations: readonly Operation[];
  readonly mix: readonly number[] | undefined;
  readonly workersPerOperation: number;
  readonly concurrency: number;
  readonly out: string;
  readonly visibilityTimeoutSeconds: number | undefined;
  readonly keepRunning: boolean;
  readonly iam: boolean;
}

const OPTIONS = {
  input: { type: 'string', default: SAMPLE_PHOTOS_DIR },
  ops: { type: 'string', default: OPERATIONS.join(',') },
  mix: { type: 'string' },
  workers: { type: 'string' },
  concurrency: { type: 'string', default: '1' },
  out: { type: 'string', default: 'darkroom-out' },
  'visibility-timeout': { type: 'string' },
  'keep-running': { type: 'boolean', default: false },
  iam: { type: 'boolean', default: true },
  help: { type: 'boolean', short: 'h', default: false },
} as const;

function positiveInteger(option: string, value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new StartArgsError(`--${option} must be a positive integer, received ${value}`);
  return n;
}

function operationsOf(value: string): Operation[] {
  const listed = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const operations = listed.filter(isOperation);
  if (listed.length === 0 || operations.length !== listed.length)
    throw new StartArgsError(
      `--ops must list operations from ${OPERATIONS.join(', ')}, received ${JSON.stringify(value)}`,
    );
  return operations;
}

/** @returns 'help' for -h/--help. @throws {StartArgsError} for an unknown option or a bad value. */
export function parseStartArgs(argv: readonly string[]): StartOptions | 'help' {
  let values;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      allowNegative: true,
      options: OPTIONS,
    }));
  } catch (error) {
    throw new StartArgsError(error instanceof Error ? error.message : String(error), true);
  }
  if (values.help) return 'help';
  const operations = operationsOf(values.ops);
  const workers =
    values.workers ?? String(Math.max(1, Math.round(availableParallelism() / operations.length)));
  const visibility = values['visibility-timeout'];
  return {
    inputDir: resolve(values.input),
    operations,
    mix: values.mix?.split(',').map(Number),
    workersPerOperation: positiveInteger('workers', workers),
    concurrency: positiveInteger('concurrency', values.concurrency),
    out: resolve(values.out),
    visibilityTimeoutSeconds:
      visibility === undefined ? undefined : positiveInteger('visibility-timeout', visibility),
    keepRunning: values['keep-running'],
    iam: values.iam,
  };
}

/**
 * A worker-sized process: every photo given on the command line through one operation, two in
 * flight, sharp tuned as the workers tune it. Prints its peak RSS in MB as JSON.
 */
import { readFile } from 'node:fs/promises';
import { imageOperations, tuneSharpForWorker, type ImageOperationName } from '../src/index.ts';
import { runParallel } from './measure.ts';

const [operation, parallelArg, ...files] = process.argv.slice(2);
tuneSharpForWorker({ threadsPerPhoto: 1 });
const op = imageOperations[operation as ImageOperationName];
await runParallel(
  files.map((file) => async () => op(await readFile(file))),
  Number(parallelArg),
);
process.stdout.write(JSON.stringify({ maxRssMb: process.resourceUsage().maxRSS / 1024 }));

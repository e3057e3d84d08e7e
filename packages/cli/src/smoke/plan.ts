/**
 * What one smoke run puts where: every sample photo and one poison file under a run-unique
 * prefix of every operation, so a run never touches a client's keys and cleans up exactly its own.
 */
import { OPERATIONS, type Operation, inputPrefix, outputPrefix } from '@darkroom/pipeline-spec';

export const POISON_NAME = 'poison-not-a-photo.jpg';
/** The code a worker dead-letters a non-image with (image-ops `UnsupportedFormatError`). */
export const POISON_CODE = 'UnsupportedFormat';
export const POISON_BYTES = Buffer.from('darkroom smoke test: this is text, not a JPEG\n');

export interface SmokeItem {
  readonly operation: Operation;
  readonly name: string;
  readonly inputKey: string;
  /** Where its result must appear; the poison must produce none. */
  readonly outputKey: string;
  readonly poison: boolean;
}

/** A run id that sorts by time and never repeats: `smoke-<base36 ms>-<4 random hex>`. */
export function smokeRunId(now: number, random: () => number): string {
  const suffix = Math.floor(random() * 0x10000)
    .toString(16)
    .padStart(4, '0');
  return `smoke-${now.toString(36)}-${suffix}`;
}

export function smokePlan(
  runId: string,
  photoNames: readonly string[],
  operations: readonly Operation[] = OPERATIONS,
): SmokeItem[] {
  return operations.flatMap((operation) =>
    [...photoNames, POISON_NAME].map((name) => ({
      operation,
      name,
      inputKey: `${inputPrefix(operation)}${runId}/${name}`,
      outputKey: `${outputPrefix(operation)}${runId}/${name}`,
      poison: name === POISON_NAME,
    })),
  );
}

/** The burst: how many photos, which operation each goes to, and when each is uploaded. */
import { OPERATIONS, type Operation } from '@darkroom/pipeline-spec';

export interface Workload {
  readonly burst: number;
  /** Percent of photos per operation, summing to 100. */
  readonly mix: Readonly<Record<Operation, number>>;
  /** Uploads spread evenly over this many seconds (0: all at once). */
  readonly arrivalSeconds: number;
  readonly megapixels: number;
}

export interface Upload {
  readonly operation: Operation;
  readonly at: number;
}

/** Uploads in time order; operations interleaved so every prefix follows the mix. */
export function uploads(workload: Workload): Upload[] {
  const assigned: Record<Operation, number> = { grayscale: 0, watermark: 0, thumbnail: 0 };
  const list: Upload[] = [];
  for (let i = 0; i < workload.burst; i++) {
    const lag = (op: Operation) => (workload.mix[op] / 100) * (i + 1) - assigned[op];
    const operation = OPERATIONS.reduce((best, op) => (lag(op) > lag(best) ? op : best));
    assigned[operation]++;
    list.push({ operation, at: (workload.arrivalSeconds * i) / workload.burst });
  }
  return list;
}

/** "40,40,20" → { grayscale: 40, watermark: 40, thumbnail: 20 } (in OPERATIONS order). */
export function parseMix(text: string): Record<Operation, number> {
  const parts = text.split(',').map((p) => Number(p.trim()));
  if (
    parts.length !== OPERATIONS.length ||
    parts.some((p) => !Number.isFinite(p) || p < 0) ||
    Math.abs(parts.reduce((s, p) => s + p, 0) - 100) > 1e-6
  )
    throw new RangeError(
      `--mix needs ${OPERATIONS.length} non-negative percentages summing to 100 (${OPERATIONS.join(', ')}), received ${JSON.stringify(text)}`,
    );
  return Object.fromEntries(OPERATIONS.map((op, i) => [op, parts[i] ?? 0])) as Record<
    Operation,
    number
  >;
}

/** "0s", "60s", "30m", "1h" → seconds. */
export function parseDuration(text: string, flag: string): number {
  const match = /^(\d+(?:\.\d+)?)(s|m|h)$/.exec(text.trim());
  if (!match)
    throw new RangeError(`${flag} needs a duration like 0s, 60s, 30m or 1h, received ${text}`);
  return Number(match[1]) * { s: 1, m: 60, h: 3600 }[match[2] as 's' | 'm' | 'h'];
}

/** How long to wait before trying again: failed photos (per receive) and failed receives. */

/**
 * Visibility delay of a message whose photo failed transiently: 5 s, 10 s, 20 s … by receive
 * count, capped at the visibility timeout.
 * @example retryDelaySeconds(3, 60) // 20
 */
export function retryDelaySeconds(receiveCount: number, visibilityTimeoutSeconds: number): number {
  return Math.min(visibilityTimeoutSeconds, 5 * 2 ** Math.max(0, receiveCount - 1));
}

/** Bounds of the pause between failed receives. */
export const RECEIVE_BACKOFF = { baseMs: 250, maxMs: 20_000 } as const;

/**
 * Pause before the next receive after `failures` consecutive failed ones: "full jitter"
 * (uniform in [0, min(max, base × 2^(failures-1))]), so a fleet of pods does not hammer a
 * recovering endpoint in step. 0 after a success.
 * @example receiveBackoffMs(3, () => 0.5) // 500
 */
export function receiveBackoffMs(failures: number, random: () => number = Math.random): number {
  if (failures <= 0) return 0;
  const ceiling = Math.min(RECEIVE_BACKOFF.maxMs, RECEIVE_BACKOFF.baseMs * 2 ** (failures - 1));
  return Math.round(random() * ceiling);
}

/** Small statistics for the run summary. */

export function percentile(values: readonly number[], p: number): number | undefined {
  if (values.length === 0) return undefined;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

/** One line per cell: a multi-line reason (libvips writes several) joined with " ⏎ ". */
const oneLine = (cell: string): string =>
  cell
    .split(/\r?\n/)
    .map((part) => part.trim())
    .filter(Boolean)
    .join(' ⏎ ');

/** Render rows as an aligned plain-text table (first row is the header), one line per row. */
export function table(input: readonly (readonly string[])[]): string {
  const rows = input.map((r) => r.map(oneLine));
  const widths =
    rows[0]?.map((_, col) => Math.max(...rows.map((r) => (r[col] ?? '').length))) ?? [];
  // Columns of numbers and durations line up on the right (header included), text on the left.
  const numeric = (cell: string) => /^[\d.–]+( ms| s)?$/.test(cell);
  const right = widths.map((_, col) => rows.slice(1).every((r) => numeric(r[col] ?? '')));
  const line = (r: readonly string[]) =>
    r
      .map((cell, col) =>
        right[col] ? cell.padStart(widths[col] ?? 0) : cell.padEnd(widths[col] ?? 0),
      )
      .join('  ')
      .trimEnd();
  return [
    line(rows[0] ?? []),
    widths.map((w) => '─'.repeat(w)).join('  '),
    ...rows.slice(1).map(line),
  ].join('\n');
}

export function ms(value: number | undefined): string {
  if (value === undefined) return '–';
  return value >= 1000 ? `${(value / 1000).toFixed(2)} s` : `${Math.round(value)} ms`;
}

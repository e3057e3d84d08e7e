/**
 * The Grafana dashboard (grafana/darkroom-workers.json) queries only metrics and labels the
 * worker really exports: a renamed metric or label here would leave a panel silently empty.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { createMetrics } from './metrics.ts';

interface Dashboard {
  readonly panels: { title: string; targets: { expr: string }[] }[];
}
const dashboard = JSON.parse(
  readFileSync(new URL('../grafana/darkroom-workers.json', import.meta.url), 'utf8'),
) as Dashboard;
const exprs = dashboard.panels.flatMap((p) => p.targets.map((t) => t.expr));

/** Series the worker exports after one photo of each kind, as Prometheus would scrape them. */
async function exported(): Promise<Map<string, Set<string>>> {
  const m = createMetrics();
  m.photos.inc({ operation: 'thumbnail', outcome: 'processed' });
  m.duration.observe({ operation: 'thumbnail' }, 0.2);
  m.bytes.inc({ operation: 'thumbnail', direction: 'in' }, 10);
  m.inFlight.set({ operation: 'thumbnail' }, 1);
  const labels = new Map<string, Set<string>>();
  for (const metric of await m.registry.getMetricsAsJSON())
    for (const value of metric.values) {
      const name = (value as { metricName?: string }).metricName ?? metric.name;
      const set = labels.get(name) ?? new Set<string>();
      Object.keys(value.labels).forEach((l) => set.add(l));
      labels.set(name, set);
    }
  return labels;
}

describe('Grafana dashboard', () => {
  it('plots photos by outcome, the duration histogram, in flight and bytes', () => {
    const used = new Set(exprs.flatMap((e) => e.match(/darkroom_[a-z_]+/g) ?? []));
    expect([...used].sort()).toEqual([
      'darkroom_photo_bytes_total',
      'darkroom_photo_duration_seconds_bucket',
      'darkroom_photos_in_flight',
      'darkroom_photos_total',
    ]);
  });

  it('queries only series and labels the worker exports', async () => {
    const series = await exported();
    for (const expr of exprs) {
      const metric = expr.match(/darkroom_[a-z_]+/)?.[0] ?? '';
      expect(series.has(metric), `${metric} in ${expr}`).toBe(true);
      const grouped =
        /by \(([^)]*)\)/
          .exec(expr)?.[1]
          ?.split(',')
          .map((l) => l.trim()) ?? [];
      for (const label of grouped)
        expect(series.get(metric)?.has(label), `label ${label} of ${metric}`).toBe(true);
    }
  });
});

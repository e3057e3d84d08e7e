/** A self-contained SVG of a plan's timeline: backlog, ready pods per operation, nodes. */
import { OPERATIONS } from '@darkroom/pipeline-spec';
import type { Sample } from './simulate.ts';

const WIDTH = 900;
const PANEL = 180;
const LEFT = 60;
const TOP = 40;
const COLORS = { grayscale: '#555', watermark: '#1f77b4', thumbnail: '#2ca02c' } as const;

interface Series {
  readonly label: string;
  readonly color: string;
  readonly dashed?: boolean;
  readonly values: readonly number[];
}

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

function panel(
  title: string,
  y0: number,
  times: readonly number[],
  series: readonly Series[],
): string {
  const tMax = Math.max(1, ...times);
  const vMax = Math.max(1, ...series.flatMap((s) => s.values));
  const x = (t: number) => LEFT + ((WIDTH - LEFT - 20) * t) / tMax;
  const y = (v: number) => y0 + PANEL - (PANEL * v) / vMax;
  const lines = series.map((s) => {
    const points = s.values.map((v, i) => `${x(times[i] ?? 0).toFixed(1)},${y(v).toFixed(1)}`);
    return `<polyline fill="none" stroke="${s.color}" stroke-width="1.8"${s.dashed ? ' stroke-dasharray="5 3"' : ''} points="${points.join(' ')}"/>`;
  });
  const legend = series.map(
    (s, i) =>
      `<text x="${LEFT + 240 + i * 130}" y="${y0 - 6}" fill="${s.color}" font-size="12">${escape(s.label)}</text>`,
  );
  const ticks = [0, 0.25, 0.5, 0.75, 1].map((f) => {
    const t = tMax * f;
    return `<text x="${x(t).toFixed(1)}" y="${y0 + PANEL + 14}" font-size="10" text-anchor="middle">${Math.round(t)} s</text>`;
  });
  return [
    `<text x="8" y="${y0 - 6}" font-size="12" font-weight="bold">${escape(title)}</text>`,
    `<rect x="${LEFT}" y="${y0}" width="${WIDTH - LEFT - 20}" height="${PANEL}" fill="none" stroke="#ccc"/>`,
    `<text x="${LEFT - 6}" y="${y0 + 10}" font-size="10" text-anchor="end">${vMax}</text>`,
    `<text x="${LEFT - 6}" y="${y0 + PANEL}" font-size="10" text-anchor="end">0</text>`,
    ...ticks,
    ...legend,
    ...lines,
  ].join('\n');
}

/** The chart as an SVG document. */
export function timelineSvg(title: string, samples: readonly Sample[]): string {
  const times = samples.map((s) => s.t);
  const panels = [
    panel('backlog (visible + in flight)', TOP + 20, times, [
      { label: 'messages', color: '#d62728', values: samples.map((s) => s.backlog) },
    ]),
    panel('worker pods', TOP + 20 + (PANEL + 50), times, [
      ...OPERATIONS.map((op) => ({
        label: `${op} ready`,
        color: COLORS[op],
        values: samples.map((s) => s.pods[op]),
      })),
      {
        label: 'not ready',
        color: '#ff7f0e',
        dashed: true,
        values: samples.map((s) => s.podsNotReady),
      },
    ]),
    panel('worker nodes', TOP + 20 + 2 * (PANEL + 50), times, [
      { label: 'ready', color: '#9467bd', values: samples.map((s) => s.nodesReady) },
      {
        label: 'launching',
        color: '#8c564b',
        dashed: true,
        values: samples.map((s) => s.nodesLaunching),
      },
    ]),
  ];
  const height = TOP + 20 + 3 * (PANEL + 50);
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${height}" viewBox="0 0 ${WIDTH} ${height}" font-family="sans-serif">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    `<text x="8" y="22" font-size="14" font-weight="bold">${escape(title)}</text>`,
    ...panels,
    '</svg>',
    '',
  ].join('\n');
}

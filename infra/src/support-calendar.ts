/**
 * Every platform version has an end date: this is the dated calendar, as data with its sources,
 * that the config schema, `darkroom preflight`/`darkroom support` and the weekly workflow read.
 * Resolved 2026-12-03 from each project's own tables (see `source`); update it with the pins.
 */

/** A Kubernetes minor on EKS: 14 months of standard support, then 12 of extended support. */
export interface KubernetesMinorSupport {
  readonly eksRelease: string;
  readonly endOfStandardSupport: string;
  readonly endOfExtendedSupport: string;
}

/** EKS user guide `kubernetes-versions` release calendar (1.33, 1.34), endoflife.date `amazon-eks` (1.35, 1.36: scraped from that calendar). */
export const KUBERNETES_ON_EKS: Readonly<Record<string, KubernetesMinorSupport>> = {
  '1.33': {
    eksRelease: '2025-05-29',
    endOfStandardSupport: '2026-07-29',
    endOfExtendedSupport: '2027-07-29',
  },
  '1.34': {
    eksRelease: '2025-10-02',
    endOfStandardSupport: '2026-12-02',
    endOfExtendedSupport: '2027-12-02',
  },
  '1.35': {
    eksRelease: '2026-01-28',
    endOfStandardSupport: '2027-03-27',
    endOfExtendedSupport: '2028-03-27',
  },
  '1.36': {
    eksRelease: '2026-06-02',
    endOfStandardSupport: '2027-08-02',
    endOfExtendedSupport: '2028-08-02',
  },
};

/** Per cluster-hour (AWS, "Amazon EKS extended support for Kubernetes versions pricing"). */
export const CONTROL_PLANE_PRICE_PER_HOUR = { standard: 0.1, extended: 0.6 } as const;

/** Oldest and newest Kubernetes minor a component release line supports or is tested on. */
export interface MinorRange {
  readonly min: string;
  readonly max: string;
}

export interface ComponentSupport {
  readonly source: string;
  /** Release line (`1.14`, `2.20`, a chart line, an AMI release) → the Kubernetes minors it takes. */
  readonly lines: Readonly<Record<string, MinorRange>>;
}

export const COMPONENTS = {
  karpenter: {
    source:
      'aws/karpenter-provider-aws hack/docs/compatibilitymatrix_gen/compatibility.yaml (main, 2026-08-21)',
    lines: {
      '1.8': { min: '1.26', max: '1.34' },
      '1.9': { min: '1.26', max: '1.35' },
      '1.10': { min: '1.26', max: '1.35' },
      '1.11': { min: '1.26', max: '1.35' },
      '1.12': { min: '1.26', max: '1.35' },
      '1.13': { min: '1.26', max: '1.36' },
      '1.14': { min: '1.26', max: '1.36' },
    },
  },
  keda: {
    source:
      'kedacore/keda-docs content/docs/<version>/operate/cluster.md, "Kubernetes Compatibility" (tested minors)',
    lines: {
      '2.18': { min: '1.31', max: '1.33' },
      '2.19': { min: '1.32', max: '1.34' },
      '2.20': { min: '1.33', max: '1.35' },
    },
  },
  metricsServer: {
    source:
      'kubernetes-sigs/metrics-server README "Compatibility Matrix"; chart 3.13.x ships metrics-server 0.8.x (1.31+)',
    lines: { '3.13': { min: '1.31', max: '1.99' } },
  },
  eksAmi: {
    source: 'awslabs/amazon-eks-ami CHANGELOG.md, the Kubernetes builds each AL2023 release lists',
    lines: {
      v20251120: { min: '1.28', max: '1.34' },
      v20260714: { min: '1.30', max: '1.36' },
    },
  },
} as const satisfies Record<string, ComponentSupport>;

/** The Node.js line the project targets, one constant (`.nvmrc`, engines, the `node` package, the images). */
export const NODE_LINE = {
  major: 24,
  maintenanceSince: '2026-10-20',
  endOfLife: '2028-04-30',
  source: 'nodejs/Release schedule.json',
} as const;

const minorNumber = (minor: string) => Number(minor.split('.')[1] ?? Number.NaN);

/** The release line of a pinned version: `1.14.1` → `1.14`, `al2023@v20260714` → `v20260714`. */
export function releaseLine(version: string): string {
  const ami = /@(v\d{8})$/.exec(version);
  if (ami?.[1]) return ami[1];
  return version.replace(/^v/, '').split('.').slice(0, 2).join('.');
}

/**
 * Why `component` at `version` does not support Kubernetes `minor`, or undefined when it does.
 * @example componentProblem('keda', '2.18.1', '1.35') // 'keda 2.18 supports Kubernetes 1.31–1.33, not 1.35 (…)'
 */
export function componentProblem(
  component: keyof typeof COMPONENTS,
  version: string,
  minor: string,
): string | undefined {
  const { lines, source } = COMPONENTS[component] as ComponentSupport;
  const line = releaseLine(version);
  const range = lines[line];
  if (!range)
    return `${component} ${version}: no entry for its line ${line} in the support calendar (${source})`;
  const n = minorNumber(minor);
  if (n >= minorNumber(range.min) && n <= minorNumber(range.max)) return undefined;
  const max = range.max === '1.99' ? '' : range.max;
  return `${component} ${line} supports Kubernetes ${range.min}–${max}, not ${minor} (${source})`;
}

export type SupportPhase = 'standard' | 'ending' | 'extended' | 'unsupported' | 'unknown';

export interface SupportStatus {
  readonly minor: string;
  readonly phase: SupportPhase;
  readonly endOfStandardSupport?: string;
  readonly endOfExtendedSupport?: string;
  /** Days until the end of standard support (negative once past). */
  readonly daysToStandardEnd?: number;
  readonly pricePerHour: number;
}

/** Warn this many days before standard support ends. */
export const WARN_DAYS_BEFORE_END = 60;

const DAY_MS = 86_400_000;

/** Where a Kubernetes minor stands on `today` (a `YYYY-MM-DD` or a Date). */
export function supportStatus(minor: string, today: Date): SupportStatus {
  const dates = KUBERNETES_ON_EKS[minor];
  if (!dates)
    return { minor, phase: 'unknown', pricePerHour: CONTROL_PLANE_PRICE_PER_HOUR.standard };
  // Billing changes at 00:00 UTC of the end date (EKS user guide).
  const standardEnd = Date.parse(`${dates.endOfStandardSupport}T00:00:00Z`);
  const extendedEnd = Date.parse(`${dates.endOfExtendedSupport}T00:00:00Z`);
  const now = today.getTime();
  const days = Math.ceil((standardEnd - now) / DAY_MS);
  const phase: SupportPhase =
    now >= extendedEnd
      ? 'unsupported'
      : now >= standardEnd
        ? 'extended'
        : days <= WARN_DAYS_BEFORE_END
          ? 'ending'
          : 'standard';
  return {
    minor,
    phase,
    ...dates,
    daysToStandardEnd: days,
    pricePerHour:
      phase === 'extended' || phase === 'unsupported'
        ? CONTROL_PLANE_PRICE_PER_HOUR.extended
        : CONTROL_PLANE_PRICE_PER_HOUR.standard,
  };
}

/**
 * Is the stack's Kubernetes minor still in EKS standard support, and what will its control plane
 * cost? From infra's dated support calendar, no AWS call: `darkroom preflight` runs it with the
 * account checks, `darkroom support` alone (the weekly workflow, no credentials).
 */
import type { StackConfig } from '@darkroom/infra/config';
import { CONTROL_PLANE_PRICE_PER_HOUR, supportStatus } from '@darkroom/infra/support-calendar';
import type { CheckResult } from './checks.ts';

const HOURS_PER_MONTH = 730;
const monthly = (perHour: number) => `$${Math.round(perHour * HOURS_PER_MONTH)}/month`;

export function checkSupport(config: StackConfig, today: Date): CheckResult {
  const s = supportStatus(config.kubernetesVersion, today);
  const check = 'kubernetes support';
  const { standard, extended } = CONTROL_PLANE_PRICE_PER_HOUR;
  const atEnd =
    config.supportType === 'STANDARD'
      ? `then EKS upgrades the control plane (supportType STANDARD)`
      : `then extended support until ${s.endOfExtendedSupport} at $${extended}/h (${monthly(extended)}) instead of $${standard}/h (${monthly(standard)}) (supportType EXTENDED)`;
  const fix = `move kubernetesVersion to a newer minor that every component supports (infra/src/support-calendar.ts), then pulumi up`;
  if (s.phase === 'unknown')
    return {
      check,
      ok: false,
      detail: `Kubernetes ${s.minor} is not in the support calendar`,
      fix: `add it to infra/src/support-calendar.ts with its EKS dates, or pin a minor that is there`,
    };
  if (s.phase === 'standard')
    return {
      check,
      ok: true,
      detail: `Kubernetes ${s.minor}: standard support until ${s.endOfStandardSupport} (${s.daysToStandardEnd} days), ${atEnd}`,
    };
  if (s.phase === 'ending')
    return {
      check,
      ok: true,
      warning: true,
      detail: `Kubernetes ${s.minor}: standard support ends ${s.endOfStandardSupport}, in ${s.daysToStandardEnd} days; ${atEnd}`,
      fix,
    };
  const billed = `the control plane is billed $${extended}/h (${monthly(extended)}), six times the $${standard}/h of standard support`;
  return {
    check,
    ok: false,
    detail:
      s.phase === 'extended'
        ? `Kubernetes ${s.minor} left standard support on ${s.endOfStandardSupport}: ${billed}, until ${s.endOfExtendedSupport}`
        : `Kubernetes ${s.minor} left extended support on ${s.endOfExtendedSupport}: EKS upgrades it without asking`,
    fix,
  };
}

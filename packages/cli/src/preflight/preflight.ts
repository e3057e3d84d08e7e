/** `darkroom preflight --stack dev`: can this account and region take the stack? Every check, pass or fail with its fix. */
import type { StackConfig } from '@darkroom/infra/config';
import type { CommandResult } from '../context.ts';
import { EXIT } from '../exit-codes.ts';
import { checkInstanceOfferings, checkQuotas } from './capacity-checks.ts';
import {
  type CheckResult,
  checkAddonVersions,
  checkAmiAlias,
  checkCredentials,
  checkSpotRole,
} from './checks.ts';
import type { PreflightClients } from './clients.ts';
import { checkPermissions } from './permission-check.ts';
import { checkSupport } from './support-check.ts';
import { checkCreatorNotListed } from './creator-check.ts';

export interface PreflightResult {
  readonly stack: string;
  readonly region: string;
  readonly ok: boolean;
  readonly checks: readonly CheckResult[];
}

export async function runPreflight(
  c: PreflightClients,
  config: StackConfig,
  stack: string,
  today: Date = new Date(),
): Promise<CommandResult<PreflightResult>> {
  const identity = await checkCredentials(c);
  const rest = await Promise.all([
    checkAmiAlias(c, config),
    checkAddonVersions(c, config),
    checkSpotRole(c),
    checkQuotas(c, config),
    checkInstanceOfferings(c, config),
    checkPermissions(c, config, identity.arn),
    checkCreatorNotListed(c, config, identity.arn),
  ]);
  const { arn: _arn, ...credentials } = identity;
  const checks = [credentials, checkSupport(config, today), ...rest.flat()];
  const ok = checks.every((x) => x.ok);
  const text = formatChecks(checks);
  return {
    code: ok ? EXIT.ok : EXIT.attention,
    result: { stack, region: config.region, ok, checks },
    text: `preflight for stack ${stack} in ${config.region}\n${text}\n${ok ? 'ready for pulumi up' : `${checks.filter((x) => !x.ok).length} check(s) failed`}\n`,
  };
}

/** PASS / WARN / FAIL lines with their fixes. */
export function formatChecks(checks: readonly CheckResult[]): string {
  return checks
    .map(
      (x) =>
        `${x.ok ? (x.warning ? 'WARN' : 'PASS') : 'FAIL'}  ${x.check}: ${x.detail}${x.fix ? `\n      fix: ${x.fix}` : ''}`,
    )
    .join('\n');
}

export interface SupportResult {
  readonly stack: string;
  readonly kubernetesVersion: string;
  readonly supportType: string;
  readonly ok: boolean;
  readonly check: CheckResult;
}

/** `darkroom support --stack dev`: the support-calendar check alone (no AWS call). */
export function runSupport(
  config: StackConfig,
  stack: string,
  today: Date,
): CommandResult<SupportResult> {
  const check = checkSupport(config, today);
  return {
    code: check.ok ? EXIT.ok : EXIT.attention,
    result: {
      stack,
      kubernetesVersion: config.kubernetesVersion,
      supportType: config.supportType,
      ok: check.ok,
      check,
    },
    text: `stack ${stack} on ${today.toISOString().slice(0, 10)}\n${formatChecks([check])}\n`,
  };
}

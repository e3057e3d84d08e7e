/**
 * STS's decision for `AssumeRoleWithWebIdentity` with an OIDC token. Written here because the
 * IAM simulator drops every condition key the service reference does not list for the action
 * (`@cloud-copilot/iam-simulate` `allowedContextKeysForRequest`), and provider keys such as
 * `token.actions.githubusercontent.com:sub` are not listed: it would deny every token.
 * Deliberately strict: an operator other than StringEquals/StringLike, or a Deny, is refused.
 */
import type { TrustPolicyDocument } from './delivery.ts';

export interface WebIdentityToken {
  readonly providerArn: string;
  /** The token's claims under the provider host, e.g. `{ aud, sub }`. */
  readonly claims: Readonly<Record<string, string>>;
  readonly host: string;
}

export class UnsupportedTrustPolicyError extends Error {
  constructor(detail: string) {
    super(`Cannot judge this trust policy: ${detail}`);
    this.name = 'UnsupportedTrustPolicyError';
  }
}

const many = <T>(value: T | readonly T[]): readonly T[] =>
  Array.isArray(value) ? (value as readonly T[]) : [value as T];

/** IAM's `StringLike`: `*` any run of characters, `?` one character. */
const like = (pattern: string, value: string) =>
  new RegExp(
    `^${pattern
      .replace(/[.+^${}()|[\]\\]/g, '\\$&')
      .replace(/\*/g, '.*')
      .replace(/\?/g, '.')}$`,
  ).test(value);

function conditionHolds(
  operator: string,
  keys: Readonly<Record<string, unknown>>,
  token: WebIdentityToken,
): boolean {
  if (operator !== 'StringEquals' && operator !== 'StringLike')
    throw new UnsupportedTrustPolicyError(`condition operator ${operator}`);
  return Object.entries(keys).every(([key, expected]) => {
    const claim = key.startsWith(`${token.host}:`)
      ? token.claims[key.slice(token.host.length + 1)]
      : undefined;
    if (claim === undefined) return false;
    const values = many(expected as string | readonly string[]);
    return values.some((v) => (operator === 'StringEquals' ? v === claim : like(v, claim)));
  });
}

/** Whether some Allow statement trusts this token's provider and every condition holds. */
export function mayAssumeWithWebIdentity(
  trust: TrustPolicyDocument,
  token: WebIdentityToken,
): boolean {
  return trust.Statement.some((statement) => {
    if (statement.Effect === 'Deny') throw new UnsupportedTrustPolicyError('a Deny statement');
    if (!many(statement.Action ?? []).includes('sts:AssumeRoleWithWebIdentity')) return false;
    const principal = statement.Principal;
    if (principal === undefined || principal === '*') return false;
    if (!many(principal['Federated'] ?? []).includes(token.providerArn)) return false;
    return Object.entries(statement.Condition ?? {}).every(([operator, keys]) =>
      conditionHolds(operator, keys, token),
    );
  });
}

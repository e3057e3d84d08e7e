/**
 * Which requests IAM cannot tell apart. A policy sees an object ARN only through its Resource
 * patterns, and a context value only through the conditions that name its key; two requests
 * that match exactly the same patterns and conditions get the same decision. Keying the
 * decision cache by that match signature instead of the literal key lets one simulation serve
 * every photo under `input/<op>/` — each new photo would otherwise cost a simulation (~1 ms of
 * CPU, which is more than 10 % of a thumbnail's whole pipeline).
 *
 * Exact, not approximate: the signature keeps everything else literal (principal, action, the
 * ARN up to the bucket, whether there is a key, keys no condition reads are dropped), matches
 * both case-sensitively and not, and gives up (literal key) when a policy uses a variable
 * (`${…}`) or a condition operator it does not model. `equivalence.test.ts` checks it against
 * fresh simulations of every worker policy.
 */
import type { ConditionBlock, OneOrMany, PolicyDocument } from '@darkroom/access';

const many = <T>(value: OneOrMany<T> | undefined): readonly T[] =>
  value === undefined ? [] : Array.isArray(value) ? (value as readonly T[]) : [value as T];

const regexes = new Map<string, RegExp>();
/** IAM wildcards: `*` any run of characters, `?` one character. */
function glob(pattern: string, flags: string): RegExp {
  const id = `${flags}:${pattern}`;
  let regex = regexes.get(id);
  if (!regex) {
    const source = pattern
      .split('')
      .map((c) => (c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\/]/g, '\\$&')))
      .join('');
    regex = new RegExp(`^${source}$`, `s${flags}`);
    regexes.set(id, regex);
  }
  return regex;
}

/** Everything a policy set compares requests against. */
interface Comparands {
  /** `undefined`: a variable or unmodelled construct; use literal cache keys. */
  readonly patterns: readonly string[] | undefined;
  /** Condition key (lower case) → values it is compared with; `undefined` value: unmodelled. */
  readonly conditions: ReadonlyMap<string, readonly string[] | undefined>;
}

const STRING_OPERATORS = new Set([
  'stringequals',
  'stringnotequals',
  'stringequalsignorecase',
  'stringnotequalsignorecase',
  'stringlike',
  'stringnotlike',
]);

function baseOperator(operator: string): string {
  return operator
    .toLowerCase()
    .replace(/^for(any|all)value:/, '')
    .replace(/ifexists$/, '');
}

function addConditions(
  block: ConditionBlock | undefined,
  into: Map<string, readonly string[] | undefined>,
): void {
  for (const [operator, entries] of Object.entries(block ?? {})) {
    const modelled = STRING_OPERATORS.has(baseOperator(operator));
    for (const [key, values] of Object.entries(entries)) {
      const name = key.toLowerCase();
      const strings = many(values as OneOrMany<string | boolean>).map(String);
      const known = into.get(name);
      if (!modelled || (into.has(name) && known === undefined)) into.set(name, undefined);
      else into.set(name, [...(known ?? []), ...strings]);
    }
  }
}

export function comparandsOf(policies: readonly PolicyDocument[]): Comparands {
  const patterns: string[] = [];
  const conditions = new Map<string, readonly string[] | undefined>();
  for (const policy of policies)
    for (const statement of policy.Statement) {
      const raw = statement as { Resource?: OneOrMany<string>; NotResource?: OneOrMany<string> };
      patterns.push(...many(raw.Resource), ...many(raw.NotResource));
      addConditions(statement.Condition, conditions);
    }
  const variables = JSON.stringify(policies).includes('${');
  return { patterns: variables ? undefined : patterns, conditions };
}

/** How `value` compares with each of `against`: equal, equal ignoring case, glob, glob ignoring case. */
function matchBits(value: string, against: readonly string[]): string {
  return against
    .map(
      (v) =>
        `${+(v === value)}${+(v.toLowerCase() === value.toLowerCase())}${+glob(v, '').test(value)}${+glob(v, 'i').test(value)}`,
    )
    .join('');
}

/** The resource as policies can see it: literal except an S3 object key, kept as match bits. */
function resourceSignature(resource: string, patterns: readonly string[] | undefined): string {
  const slash = resource.indexOf('/');
  if (!patterns || !resource.startsWith('arn:aws:s3:::') || slash < 0) return resource;
  return `${resource.slice(0, slash)}/…${matchBits(resource, patterns)}`;
}

function contextSignature(
  context: Readonly<Record<string, string>>,
  comparands: Comparands,
): [string, string][] {
  const signature: [string, string][] = [];
  for (const [key, value] of Object.entries(context)) {
    const name = key.toLowerCase();
    if (!comparands.conditions.has(name)) {
      if (comparands.patterns) continue; // no condition reads it: it cannot change the decision
      signature.push([name, value]);
      continue;
    }
    const against = comparands.conditions.get(name);
    signature.push([
      name,
      against && comparands.patterns ? `…${matchBits(value, against)}` : value,
    ]);
  }
  return signature.sort(([a], [b]) => (a < b ? -1 : 1));
}

/** The cache key of a request: equal for requests IAM cannot tell apart under these policies. */
export function equivalenceKey(
  principal: string,
  request: {
    readonly action: string;
    readonly resource: string;
    readonly context: Readonly<Record<string, string>>;
  },
  comparands: Comparands,
): string {
  return JSON.stringify([
    principal,
    request.action,
    resourceSignature(request.resource, comparands.patterns),
    contextSignature(request.context, comparands),
  ]);
}

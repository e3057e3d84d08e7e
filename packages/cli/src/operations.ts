/** Parse `--op grayscale|watermark|thumbnail|all` (comma lists allowed) into operations of the spec. */
import { OPERATIONS, type Operation, isOperation } from '@darkroom/pipeline-spec';
import { CliError } from './exit-codes.ts';

export function parseOperations(value: string | undefined): Operation[] {
  if (value === undefined || value === 'all') return [...OPERATIONS];
  const parts = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = parts.filter((p) => !isOperation(p));
  if (parts.length === 0 || bad.length > 0)
    throw new CliError(
      `--op must be one of ${OPERATIONS.join(', ')} or all (comma-separated), received ${JSON.stringify(value)}`,
    );
  return [...new Set(parts)] as Operation[];
}

/** A key prefix inside `input/<op>/`: no leading slash, one trailing slash, no `..` segments. */
export function normalisePrefix(prefix: string | undefined): string {
  if (!prefix) return '';
  const trimmed = prefix.replace(/^\/+/, '').replace(/\/*$/, '/');
  if (trimmed.split('/').some((part) => part === '..' || part === '.'))
    throw new CliError(
      `--prefix must not contain . or .. segments, received ${JSON.stringify(prefix)}`,
    );
  return trimmed === '/' ? '' : trimmed;
}

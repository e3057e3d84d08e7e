/**
 * Stage a worker's image build context and print its content-hash tag, the same way the Pulumi
 * program does (infra/src/content-hash.ts), for builds outside Pulumi (`nx image`, by hand).
 * Usage: node infra/bin/image-context.ts <operation> [KEY=VALUE build args…]
 * Prints one JSON line: { operation, tag, context, dockerfile, buildArgs }.
 */
import { fileURLToPath } from 'node:url';
import { type ImageService, OPERATIONS, isOperation } from '@darkroom/pipeline-spec';
import { imageContextDir, serviceContentHash, stageImageContext } from '../src/content-hash.ts';

const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
const [name = '', ...pairs] = process.argv.slice(2);
const isImageService = (value: string | undefined): value is ImageService =>
  value === 'front-desk' || (value !== undefined && isOperation(value));
if (!isImageService(name))
  throw new Error(
    `the service must be one of ${[...OPERATIONS, 'front-desk'].join(', ')}, got "${name}"`,
  );
const operation: ImageService = name;
const buildArgs: Record<string, string> = { SERVICE: operation };
for (const pair of pairs) {
  const eq = pair.indexOf('=');
  if (eq <= 0) throw new Error(`build arguments are KEY=VALUE, got "${pair}"`);
  buildArgs[pair.slice(0, eq)] = pair.slice(eq + 1);
}
const context = imageContextDir(repoRoot, operation);
const tag = serviceContentHash(repoRoot, operation, buildArgs);
const dockerfile = stageImageContext(repoRoot, operation, context);
console.log(JSON.stringify({ operation, tag, context, dockerfile, buildArgs }));

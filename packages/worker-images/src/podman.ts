/**
 * Podman, run the way the container test and `nx image` need it: this package's containers.conf
 * (runc, cgroupfs, explicit ulimits) and the production security settings of a worker pod.
 */
import { execFile } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { Operation } from '@darkroom/pipeline-spec';
import { z } from 'zod';

const run = promisify(execFile);

export const CONTAINERS_CONF = fileURLToPath(new URL('../containers.conf', import.meta.url));
const IMAGES_DIR = fileURLToPath(new URL('../../../dist/images/', import.meta.url));

/** A podman command failed; its stderr is in the message. */
export class PodmanError extends Error {
  override readonly name = 'PodmanError';
}

/** Run `podman <args>` with this package's containers.conf; resolves with stdout (and stderr). */
export async function podman(
  args: readonly string[],
  options: { withStderr?: boolean } = {},
): Promise<string> {
  try {
    const { stdout, stderr } = await run('podman', [...args], {
      env: { ...process.env, CONTAINERS_CONF },
      maxBuffer: 16 * 1024 * 1024,
    });
    return options.withStderr ? `${stdout}${stderr}` : stdout;
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new PodmanError(`podman ${args.join(' ')} failed: ${stderr.trim() || String(error)}`);
  }
}

/** Why the container test cannot run here, or undefined when podman answers. */
export async function podmanUnavailable(): Promise<string | undefined> {
  try {
    await podman(['version', '--format', '{{.Client.Version}}']);
    return undefined;
  } catch (error) {
    return (
      `podman is not usable here (${(error as Error).message.split('\n')[0]}); ` +
      'install it with `apt-get install podman runc debootstrap` (.ci/run does this where it can)'
    );
  }
}

const builtImageSchema = z.object({
  operation: z.string(),
  image: z.string(),
  id: z.string(),
  tag: z.string(),
  sizeBytes: z.number(),
  buildSeconds: z.number(),
});
export type BuiltImage = z.infer<typeof builtImageSchema>;

/**
 * What `nx run <op>:image` built (dist/images/<op>.json).
 * @throws {Error} when the image was not built here or its podman image is gone.
 */
export async function builtImage(operation: Operation): Promise<BuiltImage> {
  const file = `${IMAGES_DIR}${operation}.json`;
  if (!existsSync(file))
    throw new Error(`${file} is missing: run \`npx nx run ${operation}:image\` first`);
  const built = builtImageSchema.parse(JSON.parse(readFileSync(file, 'utf8')));
  try {
    await podman(['image', 'exists', built.image]);
  } catch {
    throw new Error(
      `${built.image} is not in podman's storage (an Nx cache hit from another machine?): ` +
        `run \`npx nx run ${operation}:image --skip-nx-cache\``,
    );
  }
  return built;
}

/**
 * `podman run` arguments for a worker as its Kubernetes pod runs it: read-only root, UID 65532,
 * no capabilities, no privilege escalation, an in-memory /tmp; host network to reach the
 * emulator on the host's loopback.
 */
export function productionRunArgs(
  image: string,
  name: string,
  env: Readonly<Record<string, string>>,
): string[] {
  return [
    'run',
    '--detach',
    '--name',
    name,
    '--read-only',
    // Kubernetes mounts no tmpfs of its own; podman would add /run, /var/tmp and /tmp.
    '--read-only-tmpfs=false',
    '--user',
    '65532:65532',
    '--cap-drop',
    'ALL',
    '--security-opt',
    'no-new-privileges',
    '--tmpfs',
    '/tmp:rw,size=64m,mode=1777',
    '--network',
    'host',
    ...Object.entries(env).flatMap(([key, value]) => ['--env', `${key}=${value}`]),
    image,
  ];
}

/** Mount points podman itself creates in every container (Kubernetes does the same for /etc). */
const RUNTIME_MOUNT_POINTS = new Set(['C /etc', 'C /run', 'A /run', 'A /run/.containerenv']);

/**
 * Paths the container changed outside its tmpfs mounts (`podman diff`), e.g. `A /app/cache`,
 * leaving out the mount points podman creates (a file the app wrote under /etc still shows).
 */
export async function changedPaths(name: string): Promise<string[]> {
  const out = await podman(['diff', '--format', 'json', name]);
  const parsed = z
    .object({
      changed: z.array(z.string()).optional(),
      added: z.array(z.string()).optional(),
      deleted: z.array(z.string()).optional(),
    })
    .parse(JSON.parse(out || '{}'));
  return [
    ...(parsed.changed ?? []).map((p) => `C ${p}`),
    ...(parsed.added ?? []).map((p) => `A ${p}`),
    ...(parsed.deleted ?? []).map((p) => `D ${p}`),
  ].filter((entry) => !RUNTIME_MOUNT_POINTS.has(entry));
}

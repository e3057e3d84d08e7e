/**
 * The worker's small HTTP server: liveness, readiness and Prometheus metrics.
 * Liveness fails only when restarting would help (event loop stuck, consumer wedged); readiness
 * fails while starting and while draining, so no traffic-dependent probe kills a busy pod.
 */
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { PROBE_PATHS } from '@darkroom/pipeline-spec';
import type { Registry } from 'prom-client';

export interface HealthState {
  /** Reason the worker is not live, or undefined when it is. */
  liveness(): string | undefined;
  /** Reason the worker is not ready, or undefined when it is. */
  readiness(): string | undefined;
}

/**
 * Serve the probes and metrics on 127.0.0.1 locally or all interfaces in a pod.
 * @example const { port, close } = await serveHealth(state, registry, { port: 0, host: '127.0.0.1' })
 */
export async function serveHealth(
  state: HealthState,
  registry: Registry,
  listen: { port: number; host: string },
): Promise<{ port: number; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const reply = (status: number, body: string, type = 'text/plain; charset=utf-8') => {
      res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
      res.end(body);
    };
    if (path === PROBE_PATHS.liveness) {
      const problem = state.liveness();
      return reply(problem ? 503 : 200, problem ?? 'ok\n');
    }
    if (path === PROBE_PATHS.readiness) {
      const problem = state.readiness();
      return reply(problem ? 503 : 200, problem ?? 'ready\n');
    }
    if (path === PROBE_PATHS.metrics) {
      registry.metrics().then(
        (text) => reply(200, text, registry.contentType),
        (error: unknown) => reply(500, String(error)),
      );
      return;
    }
    reply(404, 'not found\n');
  });
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listen.port, listen.host, resolve);
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

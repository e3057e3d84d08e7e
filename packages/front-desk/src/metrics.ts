/** The front desk's Prometheus metrics, like the workers': requests, signed uploads, webhooks. */
import { Counter, Registry, collectDefaultMetrics } from 'prom-client';

export function createMetrics() {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    requests: new Counter({
      name: 'darkroom_front_desk_requests_total',
      help: 'API requests by route and status',
      labelNames: ['route', 'status'] as const,
      registers: [registry],
    }),
    uploadsSigned: new Counter({
      name: 'darkroom_front_desk_uploads_signed_total',
      help: 'Upload URLs signed',
      registers: [registry],
    }),
    webhooks: new Counter({
      name: 'darkroom_front_desk_webhooks_total',
      help: 'Webhook deliveries by outcome',
      labelNames: ['outcome'] as const,
      registers: [registry],
    }),
  };
}
export type FrontDeskMetrics = ReturnType<typeof createMetrics>;

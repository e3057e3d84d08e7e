/** Prometheus metrics of one worker process, on a registry of its own (no global state). */
import type { PhotoOutcome } from '@darkroom/pipeline-spec';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export type { PhotoOutcome };

export interface WorkerMetrics {
  readonly registry: Registry;
  /** Labelled by operation and {@link PhotoOutcome}: one increment per photo and delivery. */
  readonly photos: Counter<'operation' | 'outcome'>;
  readonly duration: Histogram<'operation'>;
  readonly bytes: Counter<'operation' | 'direction'>;
  readonly inFlight: Gauge<'operation'>;
  readonly testEvents: Counter;
}

/**
 * Create the worker's metrics. Buckets span a 256 px thumbnail (~10 ms) to a 100 MP watermark (~10 s).
 * @example createMetrics().registry.metrics()
 */
export function createMetrics(): WorkerMetrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return {
    registry,
    photos: new Counter({
      name: 'darkroom_photos_total',
      help: 'Photos handled, by operation and outcome',
      labelNames: ['operation', 'outcome'],
      registers: [registry],
    }),
    duration: new Histogram({
      name: 'darkroom_photo_duration_seconds',
      help: 'Time from receive to result stored, per photo',
      labelNames: ['operation'],
      buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers: [registry],
    }),
    bytes: new Counter({
      name: 'darkroom_photo_bytes_total',
      help: 'Photo bytes read (in) and written (out)',
      labelNames: ['operation', 'direction'],
      registers: [registry],
    }),
    inFlight: new Gauge({
      name: 'darkroom_photos_in_flight',
      help: 'Photos being processed now',
      labelNames: ['operation'],
      registers: [registry],
    }),
    testEvents: new Counter({
      name: 'darkroom_s3_test_events_total',
      help: 's3:TestEvent messages skipped',
      registers: [registry],
    }),
  };
}

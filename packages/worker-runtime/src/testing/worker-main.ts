/**
 * Test fixture: a worker process like a service's main.ts, with an optional per-photo delay
 * (DARKROOM_TEST_DELAY_MS) wrapped around the real operation so tests can catch photos in flight.
 */
import { imageOperations, type OperationName } from '@darkroom/image-ops';
import { runWorker } from '../worker.ts';

const operation = (process.env['TEST_OPERATION'] ?? 'grayscale') as OperationName;
const delayMs = Number(process.env['DARKROOM_TEST_DELAY_MS'] ?? 0);
await runWorker({
  operation,
  healthHost: '127.0.0.1',
  imageOperation: async (input, options) => {
    if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
    return imageOperations[operation](input, options as never);
  },
});

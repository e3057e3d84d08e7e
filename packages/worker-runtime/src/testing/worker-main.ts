/**
 * Test fixture: a worker process like a service's main.ts, with an optional per-photo delay
 * (DARKROOM_TEST_DELAY_MS) wrapped around the real operation so tests can catch photos in flight.
 */
import { type ImageOperationName, imageOperations } from '@darkroom/image-ops';
import { OPERATIONS } from '@darkroom/pipeline-spec';
import { runWorker } from '../worker.ts';

const delayMs = Number(process.env['DARKROOM_TEST_DELAY_MS'] ?? 0);

function delayed<Op extends ImageOperationName>(operation: Op) {
  return runWorker({
    operation,
    healthHost: '127.0.0.1',
    imageOperation: async (input, options) => {
      if (delayMs > 0) await new Promise((resolve) => setTimeout(resolve, delayMs));
      return imageOperations[operation](input, options);
    },
  });
}

await delayed(OPERATIONS.find((op) => op === process.env['TEST_OPERATION']) ?? 'grayscale');

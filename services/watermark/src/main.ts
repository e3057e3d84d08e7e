// The watermark worker: its operation and options from the environment; the runtime does the rest.
import { runWorker } from '@darkroom/worker-runtime';
import { watermarkOptionsFromEnv } from './options.ts';

await runWorker({ operation: 'watermark', options: watermarkOptionsFromEnv });

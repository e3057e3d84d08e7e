// The grayscale worker: its operation and options from the environment; the runtime does the rest.
import { runWorker } from '@darkroom/worker-runtime';
import { grayscaleOptionsFromEnv } from './options.ts';

await runWorker({ operation: 'grayscale', options: grayscaleOptionsFromEnv });

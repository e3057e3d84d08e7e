// The thumbnail worker: its operation and options from the environment; the runtime does the rest.
import { runWorker } from '@darkroom/worker-runtime';
import { thumbnailOptionsFromEnv } from './options.ts';

await runWorker({ operation: 'thumbnail', options: thumbnailOptionsFromEnv });

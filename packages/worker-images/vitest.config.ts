import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: import.meta.dirname,
  resolve: { conditions: ['@darkroom/source'] },
  ssr: { resolve: { conditions: ['@darkroom/source'] } },
  test: {
    name: 'worker-images',
    environment: 'node',
    include: ['src/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: import.meta.dirname,
  resolve: { conditions: ['@darkroom/source'] },
  ssr: { resolve: { conditions: ['@darkroom/source'] } },
  test: {
    name: 'front-desk-service',
    environment: 'node',
    include: ['src/**/*.test.ts'],
    testTimeout: 30_000,
  },
});

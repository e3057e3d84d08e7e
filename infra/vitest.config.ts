import { defineConfig } from 'vitest/config';

export default defineConfig({
  root: import.meta.dirname,
  resolve: { conditions: ['@darkroom/source'] },
  ssr: { resolve: { conditions: ['@darkroom/source'] } },
  test: {
    name: 'infra',
    environment: 'node',
    include: ['src/**/*.test.ts'],
    testTimeout: 60_000,
    // Each scenario runs the whole program under mocks in beforeAll: seconds on a busy machine.
    hookTimeout: 120_000,
  },
});

import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'] } },
  test: { include: ['src/**/*.test.ts'], pool: 'forks', testTimeout: process.env.VIGIL_LONG_TESTS === '1' ? 900_000 : 30_000 },
});

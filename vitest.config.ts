import { defineConfig } from 'vitest/config';

// Two projects: fast unit tests beside the code, and the real-Podman suites in test/.
// Podman suites run as parallel forks; each uses its own OPTAGON_HOME and labels its containers.
export default defineConfig({
  test: {
    projects: [
      {
        test: {
          name: 'unit',
          include: [
            'servers/**/*.test.ts',
            'cli/**/*.test.ts',
            'host/**/*.test.ts',
            'web/**/*.test.ts',
            'test/layers.test.ts',
          ],
          testTimeout: 20_000,
        },
      },
      {
        test: {
          name: 'podman',
          include: ['test/**/*.test.ts'],
          exclude: ['test/layers.test.ts'],
          testTimeout: 120_000,
          hookTimeout: 300_000,
          pool: 'forks',
        },
      },
    ],
  },
});

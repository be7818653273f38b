// Two projects: `unit` (pure code, fakes around I/O only) and `integration` (real servers from `scripts/stack up`).
const swc = [
  '@swc/jest',
  {
    jsc: {
      parser: { syntax: 'typescript', tsx: true },
      target: 'es2022',
      transform: { react: { runtime: 'automatic' } },
    },
  },
];
const { existsSync } = require('node:fs');
const { join } = require('node:path');

// Folders without tracked files yet do not exist in a fresh clone, and Jest rejects a missing root.
const roots = [
  '<rootDir>/libs',
  '<rootDir>/pipeline',
  '<rootDir>/workflows',
  '<rootDir>/models',
  '<rootDir>/scripts',
  '<rootDir>/firmware',
  '<rootDir>/grafana-plugins',
  '<rootDir>/api',
  '<rootDir>/cli',
  '<rootDir>/provisioning/grafana',
].filter((root) => existsSync(join(__dirname, root.replace('<rootDir>/', ''))));
const ignore = ['/node_modules/', '/dist/', '/.config/'];

// Grafana plugins run under their scaffold's Jest config (jsdom, Grafana's ESM packages transformed), as unit tests.
const grafanaPluginDirs = ['carbonreducer-schedule-panel', 'carbonreducer-datasource', 'carbonreducer-app'].filter((d) =>
  existsSync(join(__dirname, 'grafana-plugins', d, 'jest.config.js')),
);
const grafanaPlugins = grafanaPluginDirs.map((d) => ({
  ...require(join(__dirname, 'grafana-plugins', d, 'jest.config.js')),
  displayName: 'unit',
  rootDir: join(__dirname, 'grafana-plugins', d),
}));
const grafanaIgnore = grafanaPluginDirs.map((d) => `/grafana-plugins/${d}/`);

/** @type {import('jest').Config} */
module.exports = {
  // A global option (Jest ignores it inside `projects`): real servers and a loaded 2-core machine need room.
  // Timeouts only stop hung tests; speed is measured in benchmarks, never asserted here.
  testTimeout: 120000,
  projects: [
    {
      displayName: 'unit',
      roots,
      testMatch: ['**/*.test.ts', '**/*.test.tsx'],
      testPathIgnorePatterns: [...ignore, ...grafanaIgnore, '\\.int\\.test\\.tsx?$'],
      transform: { '^.+\\.(t|j)sx?$': swc },
      testEnvironment: 'node',
    },
    {
      displayName: 'integration',
      roots,
      testMatch: ['**/*.int.test.ts'],
      testPathIgnorePatterns: ignore,
      transform: { '^.+\\.(t|j)sx?$': swc },
      testEnvironment: 'node',
    },
    ...grafanaPlugins,
  ],
};

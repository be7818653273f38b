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
].filter((root) => existsSync(join(__dirname, root.replace('<rootDir>/', ''))));
const ignore = ['/node_modules/', '/dist/', '/.config/'];

/** @type {import('jest').Config} */
module.exports = {
  projects: [
    {
      displayName: 'unit',
      roots,
      testMatch: ['**/*.test.ts', '**/*.test.tsx'],
      testPathIgnorePatterns: [...ignore, '\\.int\\.test\\.tsx?$'],
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
      testTimeout: 120000,
    },
  ],
};

import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';
import { existsSync } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';

/** Nearest folder at or above `dir` that holds a package.json: the workspace package a file belongs to. */
function packageRoot(dir) {
  for (let d = dir; ; d = dirname(d)) {
    if (existsSync(resolve(d, 'package.json'))) return d;
    if (dirname(d) === d) return undefined;
  }
}

/** Packages reach each other through their names (and package.json), never by a relative path out of their folder. */
const local = {
  rules: {
    'no-cross-package-relative-import': {
      meta: {
        type: 'problem',
        messages: { leaves: "'{{source}}' leaves package {{from}}: import it by its package name" },
      },
      create(context) {
        const check = (node) => {
          const source = node.source && node.source.value;
          if (typeof source !== 'string' || !source.startsWith('.')) return;
          const fileDir = dirname(context.filename);
          const from = packageRoot(fileDir);
          const target = resolve(fileDir, source);
          if (from && !(target + sep).startsWith(from + sep)) {
            context.report({
              node: node.source,
              messageId: 'leaves',
              data: { source, from: from.split(sep).slice(-2).join('/') },
            });
          }
        };
        return {
          ImportDeclaration: check,
          ExportNamedDeclaration: check,
          ExportAllDeclaration: check,
          ImportExpression: check,
        };
      },
    },
  },
};

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
const ioPackages = ['@influxdata/*', 'mqtt', 'pg', 'onnxruntime-node', '@temporalio/*', 'axios', 'node-fetch'];

export default tseslint.config(
  {
    ignores: ['**/node_modules/**', '**/dist/**', '**/coverage/**', '**/.config/**', '**/*.js', '**/*.cjs', '**/*.mjs'],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { local },
    rules: {
      'local/no-cross-package-relative-import': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-console': 'error',
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              group: ['@carbonreducer/*/src/*'],
              message: 'Import another package through its index (its public API).',
            },
          ],
        },
      ],
    },
  },
  {
    // Pure cores: plain data in, plain data out. The clock, environment, disk and network belong to the edges.
    files: ['libs/forecast/src/**/*.ts', 'libs/optimizer/src/core/**/*.ts', 'libs/telemetry/src/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({
            name,
            message: 'Pure core: take the data as a parameter; I/O lives in activities, CLIs and servers.',
          })),
          patterns: [{ group: ioPackages, message: 'Pure core: I/O clients belong at the edges.' }],
        },
      ],
      'no-restricted-properties': [
        'error',
        {
          object: 'process',
          property: 'env',
          message: 'Pure core: read configuration in the service config module and pass it in.',
        },
        { object: 'Date', property: 'now', message: 'Pure core: take `now` as a parameter.' },
      ],
    },
  },
  {
    // Temporal workflow code runs in a deterministic sandbox: no Node builtins, no I/O clients, activities by type only.
    files: ['workflows/src/workflows/**/*.ts'],
    ignores: ['**/*.test.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: nodeBuiltins.map((name) => ({
            name,
            message: 'Workflows must be deterministic: call an activity for I/O.',
          })),
          patterns: [
            {
              group: ['@influxdata/*', 'mqtt', 'pg', 'onnxruntime-node', 'highs'],
              message: 'Workflows must be deterministic: call an activity for I/O.',
            },
            {
              group: ['**/activities', '**/activities/**'],
              allowTypeImports: true,
              message: 'Workflows `import type` their activities.',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.test.ts', '**/*.int.test.ts', 'scripts/**/*.ts', '**/src/cli/**/*.ts', '**/bin/**/*.ts'],
    rules: { 'no-console': 'off' },
  },
);

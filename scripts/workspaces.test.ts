import { readdirSync, readFileSync, statSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { repoRoot } from '@carbonreducer/stack-env';

/**
 * Every workspace declares what it imports: a package (another workspace or from npm) imported by a workspace's
 * TypeScript is in that workspace's package.json, or is the root's shared tooling (TypeScript, Jest, tsx, …).
 */
interface Manifest {
  name: string;
  scripts?: Record<string, string>;
  dependencies?: Record<string, string>;
  devDependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
  optionalDependencies?: Record<string, string>;
}

const root = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as Manifest & { workspaces: string[] };
const builtins = new Set([...builtinModules, ...builtinModules.map((m) => `node:${m}`)]);
const SKIP = new Set(['node_modules', 'dist', '.config', 'target', 'build', 'coverage']);

function sources(dir: string): string[] {
  const out: string[] = [];
  for (const entry of readdirSync(dir)) {
    if (SKIP.has(entry) || entry.startsWith('.')) continue;
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) out.push(...sources(path));
    else if (/\.(ts|tsx|mts|cts)$/.test(entry) && !entry.endsWith('.d.ts')) out.push(path);
  }
  return out;
}

/** Package names of the bare specifiers a file imports, requires or loads dynamically. */
export function importedPackages(text: string): string[] {
  const specifiers = [
    ...text.matchAll(/^\s*(?:import|export)\s[^'"]*?from\s+['"]([^'"]+)['"]/gm),
    ...text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm),
    ...text.matchAll(/\b(?:require|import)\(\s*['"]([^'"]+)['"]\s*\)/g),
  ].map((m) => m[1] as string);
  return specifiers
    .filter((s) => !s.startsWith('.') && !s.startsWith('/') && !builtins.has(s) && !builtins.has(s.split('/')[0] ?? ''))
    .map((s) => (s.startsWith('@') ? s.split('/').slice(0, 2).join('/') : (s.split('/')[0] ?? s)));
}

describe('workspaces', () => {
  it('finds the packages a file imports', () => {
    expect(
      importedPackages(
        "import a from '@scope/pkg/sub';\nimport { b } from 'lodash/fp';\nimport type { C } from './local';\n" +
          "const d = require('pg');\nimport 'side-effect';\nimport { e } from 'node:fs';\nconst f = await import('mqtt');\n",
      ).sort(),
    ).toEqual(['@scope/pkg', 'lodash', 'mqtt', 'pg', 'side-effect']);
  });

  it.each(root.workspaces)('%s declares every package it imports', (workspace) => {
    const dir = join(repoRoot, workspace);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Manifest;
    const declared = new Set([
      manifest.name,
      ...Object.keys(manifest.dependencies ?? {}),
      ...Object.keys(manifest.devDependencies ?? {}),
      ...Object.keys(manifest.peerDependencies ?? {}),
      ...Object.keys(manifest.optionalDependencies ?? {}),
      ...Object.keys(root.devDependencies ?? {}),
    ]);
    const missing = new Set<string>();
    for (const file of sources(dir)) {
      for (const name of importedPackages(readFileSync(file, 'utf8'))) {
        if (!declared.has(name)) missing.add(`${name} (${relative(repoRoot, file)})`);
      }
    }
    expect([...missing].sort()).toEqual([]);
  });

  it.each(root.workspaces)('%s has the test, lint and typecheck scripts', (workspace) => {
    const manifest = JSON.parse(readFileSync(join(repoRoot, workspace, 'package.json'), 'utf8')) as Manifest;
    expect(['test', 'lint', 'typecheck'].filter((s) => !manifest.scripts?.[s])).toEqual([]);
  });
});

import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { completionScript, completionsAt } from './completion';
import { EXIT } from './exitCodes';
import { main, type Runner } from './main';
import { commandPaths, isGroup, renderCommandTree, TREE, type Leaf } from './tree';

const ROOT = join(__dirname, '..', '..');

function recorder(code = 0): Runner & { calls: { path: string; argv: string[] }[] } {
  const calls: { path: string; argv: string[] }[] = [];
  const run: Runner = (leaf: Leaf, args: string[]) => {
    calls.push({ path: leaf.run.path, argv: [...leaf.run.prefix, ...args] });
    return Promise.resolve(code);
  };
  return Object.assign(run, { calls });
}

/** Captures what a call writes to stdout and stderr. */
async function capture(fn: () => Promise<number>): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const o = jest.spyOn(process.stdout, 'write').mockImplementation((s) => ((out += String(s)), true));
  const e = jest.spyOn(process.stderr, 'write').mockImplementation((s) => ((err += String(s)), true));
  try {
    const code = await fn();
    return { code, out, err };
  } finally {
    o.mockRestore();
    e.mockRestore();
  }
}

describe('carbonreducer', () => {
  it('runs the program of a leaf with its prefix and every argument, and returns its exit code', async () => {
    const runner = recorder(3);
    const code = await main(['models', 'backtest', 'load', '--train', 'a.csv', '--json'], runner);
    expect(code).toBe(3);
    expect(runner.calls).toEqual([
      { path: 'models/bin/carbonreducer-models.js', argv: ['backtest', 'load', '--train', 'a.csv', '--json'] },
    ]);
    await main(['workflows', 'plan', '--home', 'sim-001'], runner);
    expect(runner.calls[1]).toEqual({
      path: 'workflows/bin/carbonreducer-workflows.js',
      argv: ['plan', '--home', 'sim-001'],
    });
    await main(['stack', 'up', 'influxdb'], runner);
    expect(runner.calls[2]).toEqual({ path: 'scripts/stack', argv: ['up', 'influxdb'] });
  });

  it('refuses an unknown command with a usage error that names it', async () => {
    const runner = recorder();
    const r = await capture(() => main(['workflows', 'planz'], runner));
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toMatch(/unknown command 'planz'/);
    expect(r.err).toMatch(/Did you mean plan\?/);
    expect(runner.calls).toEqual([]);
    const bare = await capture(() => main(['workflows'], runner));
    expect(bare.code).toBe(EXIT.usage);
    expect(bare.err).toContain('request-run');
  });

  it.each([
    [[]],
    ...commandPaths()
      .filter((p) => p.length > 0)
      .map((p) => [p]),
  ])('has help with examples on the level %j', async (path: string[]) => {
    const runner = recorder();
    const r = await capture(() => main([...path, '--help'], runner));
    let node = TREE as (typeof TREE)['children'][number];
    for (const name of path) node = (isGroup(node) ? node.children.find((c) => c.name === name) : undefined) ?? node;
    expect(r.code).toBe(EXIT.ok);
    expect(r.out).toContain('Examples:');
    expect(r.out).toContain(node.examples[0] ?? '');
    if (isGroup(node)) for (const c of node.children) expect(r.out).toContain(c.name);
  });

  it('prints completion for bash and zsh, covering every level', async () => {
    const r = await capture(() => main(['completion', 'bash']));
    expect(r.code).toBe(EXIT.ok);
    expect(r.out).toBe(completionScript('bash'));
    for (const path of commandPaths().filter((p) => p.length < 2)) expect(r.out).toContain(path[path.length - 1] ?? '');
    expect(completionScript('zsh')).toContain('bashcompinit');
    expect(completionsAt(['workflows'])).toEqual(['homes', 'request-run', 'plan', 'run-schedule', 'bootstrap']);
    expect(completionsAt(['nope'])).toEqual([]);
    expect((await capture(() => main(['completion', 'fish']))).code).toBe(EXIT.usage);
  });

  it('the completion script is valid bash', () => {
    const r = spawnSync('bash', ['-n'], { input: completionScript('bash') });
    expect(r.status).toBe(0);
  });

  it('gives what the old bin name gives, byte for byte (usage error of the models CLI)', () => {
    const args = ['backtest', 'weather', '--train', 'x.csv', '--test', 'y.csv', '--json'];
    const old = spawnSync(process.execPath, [join(ROOT, 'models/bin/carbonreducer-models.js'), ...args]);
    const now = spawnSync(process.execPath, [join(ROOT, 'cli/bin/carbonreducer.js'), 'models', ...args]);
    expect(old.status).toBe(EXIT.usage);
    expect(now.status).toBe(old.status);
    expect(now.stdout.toString()).toBe(old.stdout.toString());
    expect(now.stderr.toString()).toBe(old.stderr.toString());
  });
});

describe('README', () => {
  it('shows the command tree as it is', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    expect(readme).toContain(['```text', 'carbonreducer', renderCommandTree(), '```'].join('\n'));
  });
});

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { examplesOf } from './command';
import { completionScript, completionsAt } from './completion';
import { EXIT } from './exitCodes';
import { buildProgram, main } from './main';
import { withCommandTree } from './readme';
import { childrenOf, commandAt, commandPaths, renderCommandTree } from './tree';

const ROOT = join(__dirname, '..', '..');
const CLI = join(ROOT, 'cli/bin/carbonreducer.js');

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

const program = buildProgram(() => undefined);
const EMPTY = mkdtempSync(join(tmpdir(), 'cr-complete-'));

describe('carbonreducer', () => {
  it.each([[[] as string[]], ...commandPaths(program).map((p) => [p])])(
    'has help with examples and exit codes on the level %j',
    async (path: string[]) => {
      const r = await capture(() => main([...path, '--help']));
      const cmd = commandAt(program, path);
      expect(cmd).toBeDefined();
      expect(r.code).toBe(EXIT.ok);
      expect(r.out).toContain('Examples:');
      expect(examplesOf(cmd!).length).toBeGreaterThan(0);
      for (const e of examplesOf(cmd!)) expect(r.out).toContain(e);
      expect(r.out).toContain('Exit codes: 0 ok, 1 failure, 2 usage error, 3 bad input, 4 server unreachable.');
      for (const c of childrenOf(cmd!)) expect(r.out).toContain(c.name());
    },
  );

  it('refuses an unknown command with a usage error that names it and suggests one', async () => {
    const r = await capture(() => main(['models', 'backtset']));
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toMatch(/unknown command 'backtset'/);
    expect(r.err).toMatch(/Did you mean backtest\?/);
    const bare = await capture(() => main(['models']));
    expect(bare.code).toBe(EXIT.usage);
    expect(bare.err).toContain('registry');
  });

  it.each([
    [['models', 'backtest', 'weather', '--train', 'a', '--test', 'b'], /argument 'target'.*intensity, load/],
    [['models', 'backtest', 'load', '--train', 'a'], /required option '--test <files\.\.\.>'/],
    [
      ['models', 'backtest', 'load', '--train', 'a', '--test', 'b', '--seeds', '0'],
      /'--seeds <n>' argument '0' is invalid.*positive whole number/,
    ],
    [
      ['models', 'backtest', 'load', '--train', 'a', '--test', 'b', '--model', 'rnn'],
      /'--model <model>' argument 'rnn' is invalid/,
    ],
    [
      ['models', 'backtest', 'load', '--train', 'a', '--test', 'b', '--train-range', '2023-04..x'],
      /'--train-range <from\.\.to>'.*FROM\.\.TO/,
    ],
    [['models', 'backtest', 'load', '--train', 'a', '--test', 'b', '--bogus'], /unknown option '--bogus'/],
    [['models', 'search', 'load', '--train', 'a', '--seconds', '-1'], /'--seconds <s>' argument '-1' is invalid/],
    [['models', 'registry', 'show'], /missing required argument 'target'/],
    [['models', 'registry', 'promote', 'load'], /missing required argument 'version'/],
    [
      ['optimizer', 'evaluate', '--intensity', 'a', '--ev', 'e', '--forecast', 'magic', '--flex-hours', '8'],
      /'--forecast <mode>' argument 'magic' is invalid.*perfect, operator, model, naive/,
    ],
    [
      ['optimizer', 'evaluate', '--intensity', 'a', '--ev', 'e', '--forecast', 'naive'],
      /required option '--flex-hours <h>'/,
    ],
    [
      ['optimizer', 'evaluate', '--intensity', 'a', '--ev', 'e', '--forecast', 'naive', '--flex-hours', '41'],
      /expected a number of hours 0–40/,
    ],
    [
      [
        'optimizer',
        'evaluate',
        '--intensity',
        'a',
        '--ev',
        'e',
        '--forecast',
        'naive',
        '--flex-hours',
        '8',
        '--from',
        'spring',
      ],
      /'--from <date>' argument 'spring' is invalid/,
    ],
    [['optimizer', 'solve'], /missing required argument 'request'/],
    [['optimizer', 'pareto', 'r.json', '--co2-prices', '0,x'], /'--co2-prices <list>'.*comma-separated numbers/],
    [['login', '--bogus'], /unknown option '--bogus'/],
    [['stack', 'status', '--yaml'], /unknown option '--yaml'/],
    [['completion', 'fish'], /shell must be bash or zsh, got "fish"/],
    [['completion'], /missing required argument 'shell'/],
  ])('%j is a usage error (exit 2) that names what is wrong', async (argv, message) => {
    const r = await capture(() => main(argv));
    expect(r.code).toBe(EXIT.usage);
    expect(r.err).toMatch(message);
    expect(r.out).toBe('');
  });

  it('bad input is exit 3 and names it; an unreachable server is exit 4', async () => {
    const noSource = await capture(() =>
      main(['optimizer', 'evaluate', '--intensity', 'a.csv', '--forecast', 'naive', '--flex-hours', '8']),
    );
    expect([noSource.code, noSource.err]).toEqual([
      EXIT.badInput,
      'carbonreducer: give --households FILE... and/or --ev FILE\n',
    ]);
    const dir = mkdtempSync(join(tmpdir(), 'cr-cli-'));
    const file = join(dir, 'request.json');
    writeFileSync(file, '{"startMs": 0, "slotMin": 7}');
    const bad = await capture(() => main(['optimizer', 'solve', file]));
    expect(bad.code).toBe(EXIT.badInput);
    expect(bad.err).toContain(`${file}: slotMin: must be 15, 30 or 60, got 7`);
    writeFileSync(file, 'not json');
    expect((await capture(() => main(['optimizer', 'solve', file]))).err).toMatch(/request\.json: not JSON/);
    const missing = await capture(() => main(['optimizer', 'solve', join(dir, 'none.json')]));
    expect(missing.code).toBe(EXIT.badInput);
    expect(missing.err).toContain(`cannot read the request file ${join(dir, 'none.json')}`);
    const saved = process.env.GATEWAY_HOME_ID;
    process.env.GATEWAY_HOME_ID = '';
    const unset = await capture(() => main(['gateway']));
    if (saved === undefined) delete process.env.GATEWAY_HOME_ID;
    else process.env.GATEWAY_HOME_ID = saved;
    expect([unset.code, unset.err]).toEqual([
      EXIT.badInput,
      'carbonreducer: GATEWAY_HOME_ID="": set it to the home\'s id (1-64 of [a-z0-9_-])\n',
    ]);
    // Nothing listens on port 9 (discard) of loopback.
    const down = await capture(() => main(['login', '--issuer', 'http://127.0.0.1:9/realms/x']));
    expect(down.code).toBe(EXIT.unreachable);
    expect(down.err).toContain('Keycloak does not answer at http://127.0.0.1:9/realms/x');
  });

  it('prints completion for bash and zsh with every command and its options', async () => {
    const r = await capture(() => main(['completion', 'bash']));
    expect(r.code).toBe(EXIT.ok);
    expect(r.out).toBe(completionScript(program, 'bash'));
    for (const path of commandPaths(program)) expect(r.out).toContain(`"${path.join(' ')}")`);
    expect(completionScript(program, 'zsh')).toContain('bashcompinit');
    expect(completionsAt(program, ['models'])).toEqual(['backtest', 'train', 'search', 'registry']);
    expect(completionsAt(program, ['optimizer', 'solve'])).toEqual(['--now', '--json', '--plot']);
    expect(completionsAt(program, ['nope'])).toEqual([]);
  });

  it('the completion script is valid bash and completes subcommands, then options', () => {
    const script = completionScript(program, 'bash');
    expect(spawnSync('bash', ['-n'], { input: script }).status).toBe(0);
    const complete = (line: string) =>
      spawnSync(
        'bash',
        [
          '-c',
          `${script}\nCOMP_WORDS=(${line}); COMP_CWORD=$((\${#COMP_WORDS[@]}-1)); _carbonreducer; printf '%s\\n' "\${COMPREPLY[@]}"`,
        ],
        {
          cwd: EMPTY,
        },
      ).stdout.toString();
    expect(complete('carbonreducer opt')).toBe('optimizer\n');
    expect(complete('carbonreducer optimizer so')).toBe('solve\n');
    expect(complete('carbonreducer optimizer solve --pl')).toBe('--plot\n');
    expect(complete('carbonreducer models registry ""')).toBe('list\nshow\npromote\n');
    writeFileSync(join(EMPTY, 'request.json'), '{}');
    expect(complete('carbonreducer optimizer solve req')).toBe('request.json\n');
  });

  it('the old bin names are the same commands: byte-identical output and exit codes', () => {
    for (const [bin, sub, args] of [
      [
        'models/bin/carbonreducer-models.js',
        'models',
        ['backtest', 'weather', '--train', 'x.csv', '--test', 'y.csv', '--json'],
      ],
      [
        'models/bin/carbonreducer-models.js',
        'models',
        ['registry', 'list', '--registry', '/nonexistent-registry', '--json'],
      ],
      [
        'models/bin/carbonreducer-optimizer.js',
        'optimizer',
        ['evaluate', '--intensity', 'a', '--forecast', 'naive', '--flex-hours', '8'],
      ],
    ] as const) {
      const old = spawnSync(process.execPath, [join(ROOT, bin), ...args]);
      const now = spawnSync(process.execPath, [CLI, sub, ...args]);
      expect(now.status).toBe(old.status);
      expect(now.stdout.toString()).toBe(old.stdout.toString());
      expect(now.stderr.toString().replace(/^carbonreducer: /gm, '')).toBe(
        old.stderr.toString().replace(/^carbonreducer-(models|optimizer): /gm, ''),
      );
    }
    const list = spawnSync(process.execPath, [
      join(ROOT, 'models/bin/carbonreducer-models.js'),
      'registry',
      'list',
      '--registry',
      '/nonexistent-registry',
      '--json',
    ]);
    expect([list.status, list.stdout.toString()]).toEqual([0, '[]\n']);
  });
});

describe('README', () => {
  it('shows the command tree as it is', () => {
    const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
    // npm run render-readme -w cli rewrites it.
    expect(readme).toContain(['```text', 'carbonreducer', renderCommandTree(program), '```'].join('\n'));
    expect(withCommandTree(readme)).toBe(readme);
  });
});

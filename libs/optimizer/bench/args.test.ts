import { CommanderError } from 'commander';
import { exitCodeOf, parseBenchArgs, parsePeerArgs } from './args';

const failure = (parse: () => unknown): { code: number; text: string } => {
  try {
    parse();
  } catch (err) {
    if (!(err instanceof CommanderError)) throw err;
    return { code: exitCodeOf(err), text: err.message };
  }
  throw new Error('expected a usage error');
};

describe('benchmark options', () => {
  it('default to the figures the README reports', () => {
    expect(parseBenchArgs([])).toMatchObject({
      instances: 2000,
      fleet: 1000,
      seed: 1,
      timeLimit: 10,
      gap: 1e-4,
      evOnOff: true,
      strict: false,
      family: 'home',
      solver: 'auto',
      slowest: 0,
    });
    expect(parsePeerArgs([])).toEqual({ instances: 200, seed: 1, gap: 1e-4, timeLimit: 10, solver: 'auto' });
  });

  it('parse every option into its type', () => {
    const args = parseBenchArgs(
      ['--instances', '50', '--fleet', '0', '--family', 'peer', '--solver', 'wasm', '--ev-on-off', 'false'].concat([
        '--highs-options',
        '{"presolve":"off"}',
        '--only',
        '12,345',
        '--time-limit',
        '2.5',
      ]),
    );
    expect(args).toMatchObject({ instances: 50, fleet: 0, family: 'peer', solver: 'wasm', evOnOff: false });
    expect(args.highsOptions).toEqual({ presolve: 'off' });
    expect([...(args.only ?? [])]).toEqual([12, 345]);
    expect(args.timeLimit).toBe(2.5);
  });

  it.each([
    [['--instances', 'many'], "option '--instances <n>' argument 'many' is invalid. expected a positive whole number."],
    [['--family', 'office'], "option '--family <name>' argument 'office' is invalid. Allowed choices are home, peer."],
    [['--solver', 'gpu'], "argument 'gpu' is invalid. Allowed choices are auto, native, wasm."],
    [['--highs-options', '[1]'], 'expected a JSON object of HiGHS options'],
    [['--only', '1,x'], 'expected instance numbers'],
    [['--ev-on-off', 'yes'], 'expected true or false.'],
    [['--instanses', '5'], "unknown option '--instanses'"],
  ])('refuse %j naming the option, as a usage error (exit 2)', (argv, message) => {
    const { code, text } = failure(() => parseBenchArgs(argv, () => undefined));
    expect(text).toContain(message);
    expect(code).toBe(2);
  });

  it('print help and exit 0 on --help', () => {
    let printed = '';
    const { code } = failure(() => parsePeerArgs(['--help'], (s) => (printed += s)));
    expect(code).toBe(0);
    expect(printed).toContain('--time-limit <s>');
  });
});

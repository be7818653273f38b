import { parseArgs, UsageError } from './args';

describe('backtest CLI arguments', () => {
  it('takes several files after --train and --test', () => {
    const a = parseArgs(['backtest', 'intensity', '--train', 'a.csv', 'b.csv', '--test', 'c.csv', '--json']);
    expect(a).toMatchObject({
      target: 'intensity',
      train: ['a.csv', 'b.csv'],
      test: ['c.csv'],
      json: true,
      model: 'gbm',
    });
  });
  it('parses ranges as UTC, end exclusive', () => {
    const a = parseArgs(['backtest', 'load', '--train', 'x', '--test', 'y', '--test-range', '2014-07-01..2014-10-01']);
    expect(a.testRange).toEqual({
      fromMs: Date.parse('2014-07-01T00:00:00Z'),
      toMs: Date.parse('2014-10-01T00:00:00Z'),
    });
  });
  it('takes the number of seeds averaged per horizon', () => {
    expect(parseArgs(['backtest', 'intensity', '--train', 'a', '--test', 'b', '--seeds', '5']).seeds).toBe(5);
    expect(parseArgs(['backtest', 'intensity', '--train', 'a', '--test', 'b']).seeds).toBeUndefined();
  });
  it.each([
    [['train'], /unknown command/],
    [['backtest', 'wind', '--train', 'a', '--test', 'b'], /"intensity" or "load"/],
    [['backtest', 'load', '--test', 'b'], /--train needs at least one file/],
    [['backtest', 'load', '--train', 'a'], /--test needs at least one file/],
    [['backtest', 'load', 'a', '--train', 'a', '--test', 'b'], /files go after --train or --test/],
    [
      ['backtest', 'load', '--train', 'a', '--test', 'b', '--test-range', '2014-10-01..2014-07-01'],
      /not a valid FROM..TO/,
    ],
    [['backtest', 'intensity', '--train', 'a', '--test', 'b', '--model', 'arima'], /--model must be/],
    [['backtest', 'load', '--train', 'a', '--test', 'b', '--frobnicate'], /unknown option --frobnicate/],
    [['backtest', 'intensity', '--train', 'a', '--test', 'b', '--seeds', '1.5'], /--seeds needs a positive whole/],
    [['backtest', 'intensity', '--train', 'a', '--test', 'b', '--seeds'], /--seeds needs a positive whole/],
  ])('rejects %j with a message naming the problem', (argv, msg) => {
    expect(() => parseArgs(argv)).toThrow(UsageError);
    expect(() => parseArgs(argv)).toThrow(msg);
  });
});

import { createJsonLogger } from './logger';

describe('createJsonLogger', () => {
  it('writes one JSON line per entry at or above the level, with child fields and errors serialized', () => {
    const lines: string[] = [];
    const logger = createJsonLogger({
      level: 'info',
      write: (l) => lines.push(l),
      now: () => new Date('2024-01-01T00:00:00Z'),
    });
    logger.debug('hidden');
    logger.child({ homeId: 'h1' }).warn('slow', { err: new Error('boom', { cause: new Error('root') }) });
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0] ?? '')).toEqual({
      ts: '2024-01-01T00:00:00.000Z',
      level: 'warn',
      msg: 'slow',
      homeId: 'h1',
      err: { name: 'Error', message: 'boom', cause: 'root' },
    });
  });
});

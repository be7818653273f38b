import { parseVariableQuery } from './types';

describe('parseVariableQuery', () => {
  it('reads homes and devices(<homeId>) and names what is wrong otherwise', () => {
    expect(parseVariableQuery('homes')).toEqual({ kind: 'homes' });
    expect(parseVariableQuery('')).toEqual({ kind: 'homes' });
    expect(parseVariableQuery(' devices( sim-001 ) ')).toEqual({ kind: 'devices', homeId: 'sim-001' });
    const err = parseVariableQuery('devices');
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).message).toContain('write homes or devices(<homeId>)');
  });
});

import { DEFAULT_HTTP_OPTIONS, redactUrl, retryDelayMs } from './http';

describe('retryDelayMs', () => {
  const options = {
    ...DEFAULT_HTTP_OPTIONS,
    baseDelayMs: 500,
    maxDelayMs: 30_000,
    nowMs: () => Date.parse('2023-03-01T00:00:00Z'),
  };
  it('backs off exponentially without Retry-After', () => {
    expect([1, 2, 3, 8].map((a) => retryDelayMs(null, a, options))).toEqual([500, 1000, 2000, 30_000]);
  });
  it('honours Retry-After in seconds and as an HTTP date, capped', () => {
    expect(retryDelayMs('3', 1, options)).toBe(3000);
    expect(retryDelayMs('Wed, 01 Mar 2023 00:00:12 GMT', 1, options)).toBe(12_000);
    expect(retryDelayMs('3600', 1, options)).toBe(30_000);
    expect(retryDelayMs('soon', 2, options)).toBe(1000);
  });
});

describe('redactUrl', () => {
  it('hides credentials and secret-looking parameters', () => {
    expect(redactUrl('https://user:pw@api.example.com/v3/x?zone=GB&token=abc&api_key=k')).toBe(
      'https://***@api.example.com/v3/x?zone=GB&token=***&api_key=***',
    );
  });
});

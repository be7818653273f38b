import { pageUrl, parseRoute } from './route';

describe('routes', () => {
  it('reads the page and home, defaulting to homes', () => {
    expect(parseRoute('/a/carbonreducer-app/plan', '?home=sim-001')).toEqual({ page: 'plan', homeId: 'sim-001' });
    expect(parseRoute('/a/carbonreducer-app', '')).toEqual({ page: 'homes', homeId: null });
    expect(parseRoute('/a/carbonreducer-app/nope', '?home=')).toEqual({ page: 'homes', homeId: null });
    expect(pageUrl('savings', 'sim 1')).toBe('/a/carbonreducer-app/savings?home=sim%201');
  });
});

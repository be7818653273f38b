import spec from './frames.json';

/** Frame and field names shared by the data source (Go, checked against frames.json) and the panel / app. */
export const FRAMES = spec.frames;
export const UNITS = spec.units;
export type FrameKind = keyof typeof FRAMES;

/** Query types the data source answers (the Go side's QueryTypes is checked against frames.json). */
export const QUERY_TYPES = spec.queryTypes as readonly QueryType[];
export type QueryType =
  'telemetry' | 'intensity' | 'loadForecast' | 'plan' | 'savings' | 'forecastAccuracy' | 'leaderboard';

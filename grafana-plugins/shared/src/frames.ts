import spec from './frames.json';

/** Frame and field names shared by the data source (Go, checked against frames.json) and the panel / app. */
export const FRAMES = spec.frames;
export const UNITS = spec.units;
export type FrameKind = keyof typeof FRAMES;

/** Which query types the data source answers; the Go side has the same list (frames_test.go checks it). */
export const QUERY_TYPES = ['telemetry', 'intensity', 'loadForecast', 'plan', 'savings', 'forecastAccuracy'] as const;
export type QueryType = (typeof QUERY_TYPES)[number];

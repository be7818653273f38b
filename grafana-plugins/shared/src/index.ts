export * from './api';
export { FRAMES, UNITS, QUERY_TYPES, type FrameKind, type QueryType } from './frames';
export { testIds } from './testIds';

export * from './constants';
export * from './logger';
export * from './errors';
export * from './prng';
export * from './time';
export * from './homes';
export * from './slots';

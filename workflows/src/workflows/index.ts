export * from './definitions';
export * from './ingestCarbonIntensity';
export * from './forecast';
export * from './retrainModels';
export * from './optimizeHome';
export * from './backfill';
export * from './scoreForecasts';
export * from './verifySavings';

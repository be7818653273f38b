export * from './definitions';
export * from './ingestCarbonIntensity';
export * from './forecast';
export * from './retrainModels';
export * from './optimizeHome';

export * from './workflows/definitions';
export * from './workflows/ingestCarbonIntensity';
export * from './workflows/forecast';
export * from './workflows/retrainModels';
export * from './workflows/optimizeHome';

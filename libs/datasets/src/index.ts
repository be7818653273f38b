export * from './csv';
export * from './intensity';
export * from './household';
export * from './appliance';
export * from './ev';
export * from './files';

export * from './contract';
export * from './topics';
export * from './device';
export * from './validate';
export * from './encode';
export * from './lineProtocol';
export * from './goContract';
export * from './fixtures';

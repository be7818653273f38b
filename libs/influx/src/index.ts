export * from './model';
export * from './client';
export * from './queries';

export * from './tree';
export * from './exitCodes';
export { buildProgram, main, type Runner } from './main';
export { completionScript, completionsAt } from './completion';

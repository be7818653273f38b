export * from './tree';
export * from './exitCodes';
export { BadInputError, UnreachableError, exitCodeOf } from './errors';
export { buildProgram, main, runCli } from './main';
export { completionScript, completionsAt } from './completion';

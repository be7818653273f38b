// `carbonreducer workflows …` (cli/): what each subcommand does once its command line is read.
export * as workflowsCli from './cli';

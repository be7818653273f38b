import type { Command } from 'commander';
import { simulatorArgs, simulatorCommand } from '@carbonreducer/pipeline';
import { lazy, withExamples } from '../command';

const pipeline = lazy<typeof import('@carbonreducer/pipeline')>('@carbonreducer/pipeline');

/** `carbonreducer simulate`: the simulator's own command (its options are declared once, in the pipeline). */
export function simulateCommand(): Command {
  return withExamples(simulatorCommand('simulate'), [
    'carbonreducer simulate --homes 10 --speed 60',
    'carbonreducer simulate --homes 3 --speed max --duration 2h --timestamps original',
  ]).action((flags: Parameters<typeof simulatorArgs>[0]) => pipeline().runSimulator(simulatorArgs(flags)));
}

import type { Command } from 'commander';
import { command, lazy } from '../command';

const pipeline = lazy<typeof import('@carbonreducer/pipeline')>('@carbonreducer/pipeline');

/** `carbonreducer gateway`: no arguments (settings come from the environment, listed in the help). */
export function gatewayCommand(): Command {
  return command('gateway', 'The edge gateway: local broker in, disk buffer, central broker out', [
    'GATEWAY_HOME_ID=home-7 carbonreducer gateway',
    'GATEWAY_HOME_ID=home-7 GATEWAY_STATUS_PORT=0 carbonreducer gateway',
  ])
    .addHelpText('after', () => `\n${pipeline().GATEWAY_SETTINGS}\n`)
    .action(() => pipeline().runGateway());
}

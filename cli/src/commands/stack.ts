import type { Command } from 'commander';
import { command, runProgram } from '../command';

const STACK = 'scripts/stack';

/** `carbonreducer stack …`: scripts/stack with its subcommands declared here (names of servers are free arguments). */
export function stackCommand(exitWith: (code: number) => void): Command {
  const stack = command('stack', 'Install, start, stop and inspect the native servers (scripts/stack)', [
    'carbonreducer stack install',
    'carbonreducer stack up influxdb',
    'carbonreducer stack status --json',
  ]);
  const run = (args: string[]) => runProgram('bash', STACK, args).then(exitWith);
  stack.addCommand(
    command('install', 'Install every pinned server (idempotent)', ['carbonreducer stack install']).action(() =>
      run(['install']),
    ),
  );
  stack.addCommand(
    command('up', 'Start servers (all, or the named ones) and set them up', [
      'carbonreducer stack up',
      'carbonreducer stack up keycloak',
    ])
      .argument('[servers...]', 'influxdb, mosquitto, telegraf, postgres, temporal, keycloak, … (default all)')
      .action((servers: string[]) => run(['up', ...servers])),
  );
  stack.addCommand(
    command('down', 'Stop servers (all, or the named ones)', ['carbonreducer stack down telegraf'])
      .argument('[servers...]', 'default all')
      .action((servers: string[]) => run(['down', ...servers])),
  );
  stack.addCommand(
    command('status', 'Which servers are up, with URLs and ingest health; exit 1 when one is not', [
      'carbonreducer stack status',
      'carbonreducer stack status --json | jq .servers',
    ])
      .option('--json', 'print one JSON object: {servers: [{name, state, url, detail}], gateways: [...]}')
      .action((f: { json?: boolean }) => run(['status', ...(f.json ? ['--json'] : [])])),
  );
  stack.addCommand(
    command('logs', "A server's log (followed), or the tail of every log", ['carbonreducer stack logs telegraf'])
      .argument('[server]', 'one server')
      .action((server: string | undefined) => run(['logs', ...(server ? [server] : [])])),
  );
  stack.addCommand(
    command('env', 'URLs, ports and generated credentials for clients', ['eval "$(carbonreducer stack env)"']).action(
      () => run(['env']),
    ),
  );
  return stack;
}

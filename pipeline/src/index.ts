// The pipeline's public API for other packages: the home broker's configuration (the fault suite in scripts/faults
// runs a home behind a gateway).
export { HOME_BROKER_CONF, homeBrokerConfig } from './gateway/homeBroker';
// `carbonreducer gateway` (cli/): the gateway process and the settings its help lists.
export { runGateway } from './gateway/cli';
export { GATEWAY_SETTINGS } from './gateway/config';
// `carbonreducer simulate` (cli/): the simulator's command line, declared once, and the replay it runs.
export { simulatorArgs, simulatorCommand } from './simulator/args';
export { runSimulator } from './simulator/cli';

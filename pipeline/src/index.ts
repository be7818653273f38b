// The pipeline's public API for other packages: the home broker's configuration (the fault suite in scripts/faults
// runs a home behind a gateway).
export { HOME_BROKER_CONF, homeBrokerConfig } from './gateway/homeBroker';

/**
 * Test scaffolding other packages' integration tests use (a worker process in the integration namespace, a fixture
 * forecast): `@carbonreducer/workflows/testing`. Never imported by production code.
 */
export {
  IT_NAMESPACE,
  connectTestTemporal,
  killWorker,
  stackSettings,
  startWorker,
  useTestTemporal,
  waitFor,
  writeFixtureForecast,
} from './src/testing/workerProcess';

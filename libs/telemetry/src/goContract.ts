import {
  CONTRACT_VERSION,
  DEVICE_STATES,
  FIELDS,
  KINDS,
  LIMITS,
  MEASUREMENTS,
  QUANTITY_PREFIXES,
  TOPIC_ROOT,
} from './contract';

export const GO_CONTRACT_BEGIN = '// BEGIN GENERATED CONTRACT (libs/telemetry/src/goContract.ts; do not edit by hand)';
export const GO_CONTRACT_END = '// END GENERATED CONTRACT';

const str = (s: string): string => JSON.stringify(s);
const list = (items: readonly string[]): string => `[]string{${items.map(str).join(', ')}}`;

/** Pads the keys of consecutive `key value` lines the way gofmt aligns them (`name = 1`, `"key": {…},`). */
function aligned(rows: readonly (readonly [string, string])[]): string[] {
  const width = Math.max(...rows.map(([key]) => key.length));
  return rows.map(([key, value]) => `\t${key.padEnd(width)} ${value}`);
}

/**
 * The contract tables as Go source, between the markers in pipeline/telegraf-processor/contract.go (the Telegraf
 * processor that enforces the contract); a unit test fails when the two drift apart. Output is gofmt-formatted.
 */
export function renderGoContract(): string {
  const constants: [string, string][] = [
    ['contractVersion', String(CONTRACT_VERSION)],
    ['topicRoot', str(TOPIC_ROOT)],
    ['maxPayloadBytes', String(LIMITS.maxPayloadBytes)],
    ['maxBatchReadings', String(LIMITS.maxBatchReadings)],
    ['maxFutureSkewMs', String(LIMITS.maxFutureSkewMs)],
    ['minTimestampMs', String(LIMITS.minTimestampMs)],
    ['maxIDLength', String(LIMITS.maxIdLength)],
    ['rejectsMeasurement', str(MEASUREMENTS.rejects)],
    ['statusMeasurement', str(MEASUREMENTS.status)],
  ];
  const fields = Object.values(FIELDS).map(
    (f) =>
      `\t{key: ${str(f.key)}, influxField: ${str(f.influxField)}, unit: ${str(f.unit)}, min: ${f.min}, max: ${f.max}},`,
  );
  const kinds = aligned(
    Object.entries(KINDS).map(([kind, spec]) => [
      `${str(kind)}:`,
      `{required: ${list(spec.required)}, optional: ${list(spec.optional)}},`,
    ]),
  );
  return [
    GO_CONTRACT_BEGIN,
    'const (',
    ...aligned(constants.map(([name, value]) => [name, `= ${value}`])),
    ')',
    '',
    `var deviceStates = ${list(DEVICE_STATES)}`,
    '',
    `var quantityPrefixes = ${list(QUANTITY_PREFIXES)}`,
    '',
    '// In check order.',
    'var fields = []fieldSpec{',
    ...fields,
    '}',
    '',
    'var kinds = map[string]kindSpec{',
    ...kinds,
    '}',
    '',
    GO_CONTRACT_END,
  ].join('\n');
}

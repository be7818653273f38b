import {
  CONTRACT_VERSION,
  DEVICE_STATES,
  FIELDS,
  KINDS,
  LIMITS,
  MEASUREMENTS,
  QUANTITY_PREFIXES,
  TOPIC_ROOT,
  type FieldKey,
} from './contract';

export const STARLARK_BEGIN = '# BEGIN GENERATED CONTRACT (libs/telemetry/src/starlark.ts; do not edit by hand)';
export const STARLARK_END = '# END GENERATED CONTRACT';

const str = (s: string): string => JSON.stringify(s);
const num = (n: number): string => (Number.isInteger(n) ? `${n}.0` : String(n));

/**
 * The contract tables as Starlark source, pasted between the markers in
 * provisioning/telegraf/telegraf.d/telemetry.star; a unit test fails when the two drift apart.
 */
export function renderStarlarkContract(): string {
  const fields = (Object.keys(FIELDS) as FieldKey[])
    .map((k) => `    (${str(k)}, ${str(FIELDS[k].influxField)}, ${num(FIELDS[k].min)}, ${num(FIELDS[k].max)}),`)
    .join('\n');
  const kinds = Object.entries(KINDS)
    .map(
      ([kind, spec]) =>
        `    ${str(kind)}: ([${spec.required.map(str).join(', ')}], [${spec.optional.map(str).join(', ')}]),`,
    )
    .join('\n');
  return [
    STARLARK_BEGIN,
    `CONTRACT_VERSION = ${CONTRACT_VERSION}`,
    `TOPIC_ROOT = ${str(TOPIC_ROOT)}`,
    `MAX_PAYLOAD_BYTES = ${LIMITS.maxPayloadBytes}`,
    `MAX_BATCH_READINGS = ${LIMITS.maxBatchReadings}`,
    `MAX_FUTURE_SKEW_MS = ${LIMITS.maxFutureSkewMs}`,
    `MIN_TIMESTAMP_MS = ${LIMITS.minTimestampMs}`,
    `MAX_ID_LENGTH = ${LIMITS.maxIdLength}`,
    `REJECTS_MEASUREMENT = ${str(MEASUREMENTS.rejects)}`,
    `STATUS_MEASUREMENT = ${str(MEASUREMENTS.status)}`,
    `DEVICE_STATES = [${DEVICE_STATES.map(str).join(', ')}]`,
    `QUANTITY_PREFIXES = [${QUANTITY_PREFIXES.map(str).join(', ')}]`,
    '# (json key, influx field, min, max) in check order',
    'FIELDS = [',
    fields,
    ']',
    '# kind: (required keys, optional keys)',
    'KINDS = {',
    kinds,
    '}',
    STARLARK_END,
  ].join('\n');
}

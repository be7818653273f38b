import { dirname } from 'node:path';
import type { temporal } from '@temporalio/proto';
import * as proto from '@temporalio/proto';
import { patchProtobufRoot } from '@temporalio/proto/lib/patch-protobuf-root';

type History = temporal.api.history.v1.History;

/**
 * Parses a JSON history (as written by `temporal workflow show --output json`). Same as the SDK's historyFromJSON,
 * but with the protobufjs copy that @temporalio/proto's types belong to: with the current lock, npm nests a separate
 * protobufjs 8 under @temporalio/common and @temporalio/proto, and the SDK's helper fails their `instanceof` check
 * ("type must be a Type").
 */
export function historyFromJson(json: unknown): History {
  const protoDir = dirname(require.resolve('@temporalio/proto/package.json'));
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const protojson = require(require.resolve('protobufjs/ext/protojson', { paths: [protoDir] })) as {
    fromJson(type: unknown, json: unknown, options: { ignoreUnknownFields: boolean }): History | null;
  };
  const root = patchProtobufRoot(proto) as unknown as { lookupType(name: string): unknown };
  if (typeof json !== 'object' || json === null || !Array.isArray((json as { events?: unknown }).events)) {
    throw new TypeError('invalid history: expected an object with an array of events');
  }
  const history = protojson.fromJson(root.lookupType('temporal.api.history.v1.History'), json, {
    ignoreUnknownFields: true,
  });
  if (!history) throw new TypeError('invalid history');
  return history;
}

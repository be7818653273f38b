/** Read side of the telemetry bucket, as tests, the benchmark and dashboards need it. */
export interface TimeRange {
  startMs: number;
  stopMs: number;
}

export interface TelemetryQuery {
  /** Points per `measurement/device_id` of one home (counted on one field per measurement). */
  countPoints(homeId: string, range: TimeRange): Promise<Record<string, number>>;
  /** Values of one field of one device, by time (ms). */
  fieldValues(homeId: string, deviceId: string, field: string, range: TimeRange): Promise<Map<number, number>>;
  /** `telemetry_rejects` per reason, for rejects whose topic contains `topicSubstring`. */
  rejectsByReason(topicSubstring: string, range: TimeRange): Promise<Record<string, number>>;
}

import {
  MIN_REPLAY_OVER_LIVE,
  SHORT,
  brokerRestartWindowFull,
  gatewayReplayRate,
  influxOutage,
  redeliveredRejects,
  redeliveredRejectsTelegrafRestart,
} from './experiments';
import { formatResult, stackSettings } from './lib';

// The short form of the fault suite (scripts/faults/README.md): real servers stopped and started again through
// scripts/stack while a device publishes. Each experiment counts only its own home's points and passes only with
// nothing lost, nothing duplicated and recovery without a human. `scripts/stack up` first.
jest.setTimeout(420_000);

const log = (line: string) => process.stdout.write(`${line}\n`);

describe('fault suite, short form (scripts/stack up mosquitto influxdb telegraf)', () => {
  beforeAll(() => {
    // Fails, never skips, when the stack's settings are missing.
    stackSettings();
  });

  it('recovers alone from a broker restart while Telegraf’s undelivered window is full', async () => {
    const r = await brokerRestartWindowFull(SHORT, log);
    log(formatResult(r));
    expect({ lost: r.lost, duplicates: r.duplicates, recovered: r.recoverS !== undefined }).toEqual({
      lost: 0,
      duplicates: 0,
      recovered: true,
    });
  });

  it('counts a bad message once when the broker redelivers it after Telegraf wrote its rejects', async () => {
    const r = await redeliveredRejects(SHORT, log);
    log(formatResult(r));
    expect({
      lost: r.lost,
      duplicates: r.duplicates,
      rejectsStored: r.notes.rejectsStored,
      redelivered: Number(r.notes.telegrafMessagesAfterBrokerBack) >= 2 * Number(r.notes.badSent),
    }).toEqual({ lost: 0, duplicates: 0, rejectsStored: r.notes.badSent, redelivered: true });
  });

  it('counts a bad message once when the broker redelivers it to a restarted Telegraf that had written its rejects', async () => {
    const r = await redeliveredRejectsTelegrafRestart(SHORT, log);
    log(formatResult(r));
    expect({
      lost: r.lost,
      duplicates: r.duplicates,
      rejectsStored: r.notes.rejectsStored,
      redelivered: Number(r.notes.telegrafMessagesAfterBrokerBack) >= 2 * Number(r.notes.badSent),
    }).toEqual({ lost: 0, duplicates: 0, rejectsStored: r.notes.badSent, redelivered: true });
  });

  it('stores every reading published during an InfluxDB outage, once', async () => {
    const r = await influxOutage(SHORT, log);
    log(formatResult(r));
    expect({ lost: r.lost, duplicates: r.duplicates, recovered: r.recoverS !== undefined }).toEqual({
      lost: 0,
      duplicates: 0,
      recovered: true,
    });
  });

  it('replays a gateway buffer at least 10 times the live rate, live readings accepted meanwhile', async () => {
    const r = await gatewayReplayRate(SHORT, log);
    log(formatResult(r));
    expect({
      lost: r.lost,
      duplicates: r.duplicates,
      fastEnough: Number(r.notes.replayOverLive) >= MIN_REPLAY_OVER_LIVE,
      replayed: Number(r.notes.replayedRecords) > 0,
    }).toEqual({ lost: 0, duplicates: 0, fastEnough: true, replayed: true });
  });
});

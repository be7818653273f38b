import type { LogFields, Logger } from '@carbonreducer/common';
import { solveHome } from '../core/solve';
import type { HomeRequest } from '../core/types';
import { createFleetSolver, fleetInternals, solveFleet, type FleetHome } from './fleet';
import { createHighsSolver } from './highs';

const H = 3_600_000;
const T0 = Date.UTC(2024, 0, 15);

function home(k: number): FleetHome {
  const n = 12;
  const intensity = Array.from({ length: n }, (_, t) => 100 + ((t * 37 + k * 53) % 300));
  const request: HomeRequest = {
    homeId: `h${k}`,
    startMs: T0,
    slotMin: 60,
    slotCount: n,
    timeZone: 'UTC',
    intensityGPerKWh: intensity,
    pricePerKWh: intensity.map((g) => g / 1000),
    co2PricePerKg: 0.2,
    baseLoadW: new Array<number>(n).fill(400 + 50 * k),
    importLimitW: 6000,
    devices: [
      {
        kind: 'cycle',
        id: 'dw',
        label: 'dishwasher',
        profileW: [2000, 800, 1800],
        earliestStartMs: T0,
        deadlineMs: T0 + 10 * H,
      },
      {
        kind: 'ev',
        id: 'car',
        label: 'car',
        availableFromMs: T0 + H,
        departureMs: T0 + 11 * H,
        energyNeededWh: 4000 + 2500 * k,
        minPowerW: 1400,
        maxPowerW: 3700,
        onOff: true,
      },
    ],
  };
  return { request, now: T0 };
}

describe('fleet pool (worker threads)', () => {
  it('plans every home in input order, as solveHome does in this thread', async () => {
    const homes = Array.from({ length: 7 }, (_, k) => home(k));
    const solver = await createHighsSolver();
    const expected = homes.map((h) => solveHome(h.request, h.now, solver));
    const pool = await createFleetSolver({ workers: 2 });
    try {
      expect(pool.workers).toBe(2);
      const outcomes = await pool.solve(homes);
      expect(outcomes).toHaveLength(homes.length);
      outcomes.forEach((o, k) => {
        if (!o.ok) throw new Error(`home ${k}: ${o.error.message}`);
        expect(o.plan.homeId).toBe(`h${k}`);
        expect(o.plan.objective).toBeCloseTo(expected[k]!.objective, 6);
        expect(o.plan.timing?.runMs).toBeGreaterThan(0);
      });
      // The pool is reusable.
      const again = await pool.solve(homes.slice(0, 2));
      expect(again.map((o) => o.ok)).toEqual([true, true]);
    } finally {
      await pool.close();
    }
  });

  it('a bad home comes back as an error naming the field; the others are still planned', async () => {
    const good = home(1);
    const bad = home(2);
    bad.request = { ...bad.request, intensityGPerKWh: [1, 2] };
    const outcomes = await solveFleet([good, bad, home(3)], { workers: 1 });
    expect(outcomes.map((o) => o.ok)).toEqual([true, false, true]);
    const failed = outcomes[1]!;
    if (failed.ok) throw new Error('expected a failure');
    expect(failed.error.name).toBe('InvalidRequestError');
    expect(failed.error.message).toContain('intensityGPerKWh');
  });
});

describe('fleet pool: a worker thread that dies', () => {
  /** A logger that keeps what the pool reports. */
  function recorder(): { logger: Logger; errors: LogFields[] } {
    const errors: LogFields[] = [];
    const logger: Logger = {
      debug: () => undefined,
      info: () => undefined,
      warn: () => undefined,
      error: (msg, fields) => errors.push({ msg, ...fields }),
      child: () => logger,
    };
    return { logger, errors };
  }
  const until = async (what: () => boolean) => {
    while (!what()) await new Promise((r) => setTimeout(r, 20));
  };

  it('an idle worker that crashes is reported and replaced; the process survives and every home is planned', async () => {
    const { logger, errors } = recorder();
    const pool = await createFleetSolver({ workers: 2, logger });
    try {
      fleetInternals(pool).crash(0, 'boom while idle');
      await until(() => errors.length > 0);
      expect(errors[0]).toMatchObject({
        worker: 0,
        homeIndex: null,
        error: expect.objectContaining({ message: 'boom while idle' }),
      });
      const outcomes = await pool.solve([home(1), home(2), home(3), home(4)]);
      expect(outcomes.map((o) => o.ok)).toEqual([true, true, true, true]);
      expect(errors).toHaveLength(1);
    } finally {
      await pool.close();
    }
    expect(fleetInternals(pool).liveThreads()).toBe(0);
  });

  it('a worker that dies while planning a home: the home is planned again elsewhere, nothing is lost', async () => {
    const { logger, errors } = recorder();
    const pool = await createFleetSolver({ workers: 2, logger });
    try {
      // The crash reaches worker 0 before the first home does, so it dies holding home 0.
      fleetInternals(pool).crash(0, 'boom while busy');
      const homes = [home(1), home(2), home(3)];
      const outcomes = await pool.solve(homes);
      outcomes.forEach((o, k) => {
        if (!o.ok) throw new Error(`home ${k}: ${o.error.message}`);
        expect(o.plan.homeId).toBe(`h${k + 1}`);
      });
      expect(errors).toHaveLength(1);
      expect(errors[0]).toMatchObject({ worker: 0, homeIndex: 0 });
      // Both workers are back: the next solve uses the replacement too.
      await until(() => fleetInternals(pool).liveThreads() === 2);
      expect((await pool.solve([home(5), home(6)])).map((o) => o.ok)).toEqual([true, true]);
    } finally {
      await pool.close();
    }
    expect(fleetInternals(pool).liveThreads()).toBe(0);
  });

  it('close() during a solve settles it (unplanned homes failed, planned ones kept) and leaves no thread', async () => {
    const pool = await createFleetSolver({ workers: 1, logger: recorder().logger });
    const homes = Array.from({ length: 40 }, (_, k) => home(k % 5));
    const solving = pool.solve(homes);
    await pool.close();
    const outcomes = await solving;
    expect(outcomes).toHaveLength(homes.length);
    const failed = outcomes.filter((o) => !o.ok);
    expect(failed.length).toBeGreaterThan(0);
    failed.forEach((o) => {
      if (o.ok) return;
      expect(o.error).toMatchObject({ name: 'FleetWorkerError', message: expect.stringContaining('closed') });
    });
    expect(fleetInternals(pool).liveThreads()).toBe(0);
    await expect(pool.solve([home(1)])).rejects.toThrow('closed');
    await pool.close(); // a second close is harmless
  });
});

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadHighsNative, type NativeHighsModel } from '@carbonreducer/highs-native';
import type {
  LpBasis,
  LpSession,
  MilpProblem,
  MilpSolver,
  ProblemSolveOptions,
  SolveOptions,
  SolverResult,
  SolverStatus,
} from '../core/types';

/**
 * HiGHS options of the native solver, chosen by measurement (libs/optimizer/README.md, "Native HiGHS"): the same as
 * the WebAssembly build's. Feasibility jump and the sub-MIP heuristics (RINS, RENS, root reduced cost) off: in two
 * interleaved rounds on 300 benchmark homes, HiGHS 1.16's defaults took 22.9–23.6 s of CPU (p99 1.3 s) against
 * 12.5–12.9 s (p99 0.57–0.66 s) with them off; on 200 peer-class homes 13.5 s against 11.1 s. Sub-MIPs off alone
 * (feasibility jump on) was in between on the peer family (11.2 s, p99 0.40 s).
 */
export const DEFAULT_NATIVE_HIGHS_OPTIONS: Readonly<Record<string, string | number | boolean>> = {
  mip_heuristic_run_feasibility_jump: false,
  mip_heuristic_run_rins: false,
  mip_heuristic_run_rens: false,
  mip_heuristic_run_root_reduced_cost: false,
};

/**
 * HiGHS' `simplex_strategy` for the first (cold) solve of an LP session, and for the hot starts after bound changes.
 * Cold: primal simplex. On 150 benchmark homes' relaxed LPs (96 slots, ~1,300 columns, ~390 rows, no presolve) it took
 * 4.9 ms of CPU against 6.6–6.7 ms for dual simplex (HiGHS' choice), the same optima; dual with Devex pricing took
 * 5.5 ms. Hot: dual simplex (1), as HiGHS would choose: after bound changes the last basis stays dual feasible, and
 * the dive steps took the same time either way (2.9–3.0 ms per home).
 */
export const LP_SESSION_SIMPLEX_STRATEGY = { cold: 4, hot: 1 } as const;

// kHighsModelStatus codes of the HiGHS C API.
const MODEL_STATUS: Record<number, string> = {
  0: 'notset',
  1: 'loadError',
  2: 'modelError',
  3: 'presolveError',
  4: 'solveError',
  5: 'postsolveError',
  6: 'modelEmpty',
  7: 'optimal',
  8: 'infeasible',
  9: 'unboundedOrInfeasible',
  10: 'unbounded',
  11: 'objectiveBound',
  12: 'objectiveTarget',
  13: 'timeLimit',
  14: 'iterationLimit',
  15: 'unknown',
  16: 'solutionLimit',
  17: 'interrupt',
  18: 'memoryLimit',
  19: 'highsInterrupt',
};

function statusOf(code: number): { status: SolverStatus; rawStatus: string } {
  const rawStatus = MODEL_STATUS[code] ?? `status ${code}`;
  if (code === 7) return { status: 'optimal', rawStatus };
  if (code === 8) return { status: 'infeasible', rawStatus };
  if (code === 13) return { status: 'time_limit', rawStatus };
  return { status: 'other', rawStatus };
}

/**
 * Native HiGHS (the `@carbonreducer/highs-native` addon, HiGHS 1.16.0 built from the highs-sys crate) as the core's
 * `MilpSolver`, with the same behaviour as the WebAssembly `createWasmHighsSolver`: arrays in (`solveProblem`), LP
 * sessions with bound changes and hot starts (`lpSession`), a MIP start, a basis, time limit, gap, one thread.
 * Throws `HighsNativeMissingError` when the addon is not built (`bash scripts/stack install-one highs_native`).
 */
export function createNativeHighsSolver(
  extraOptions: Readonly<Record<string, string | number | boolean>> = DEFAULT_NATIVE_HIGHS_OPTIONS,
): MilpSolver {
  const addon = loadHighsNative();
  const name = `highs-native ${addon.highsVersion()}`;

  const configure = (model: NativeHighsModel, options: SolveOptions, isLp: boolean): void => {
    // LPs without presolve, as in the WebAssembly solver (measured there: small LPs, presolve costs more than it saves).
    if (isLp) model.setOption('presolve', 'off');
    for (const [k, v] of Object.entries(extraOptions)) model.setOption(k, v);
    model.setOption('threads', 1);
    model.setOption('time_limit', options.timeLimitSec);
    model.setOption('mip_rel_gap', options.mipRelGap);
  };

  /** Runs a configured model and reads the result; `names` maps column j to its name (read from HiGHS if absent). */
  const run = (
    model: NativeHighsModel,
    isMip: boolean,
    numCols: number,
    numRows: number,
    names: readonly string[] | null,
    started: number,
    loadMs: number,
  ): SolverResult => {
    const runStarted = performance.now();
    model.run();
    const readStarted = performance.now();
    const { status, rawStatus } = statusOf(model.modelStatus());
    const columns: Record<string, number> = {};
    let objective: number | null = null;
    let columnDuals: Float64Array | undefined;
    let basis: LpBasis | undefined;
    // 2 = feasible primal solution available.
    if (model.info('primal_solution_status') === 2) {
      const values = new Float64Array(numCols);
      const duals = new Float64Array(numCols);
      model.solution(values, duals);
      // Reduced costs and basis for LPs only (a MIP's are not duals of anything): `solveHome` fixes binaries with them.
      if (status === 'optimal' && !isMip) {
        columnDuals = duals;
        // 1 = valid basis.
        if (model.info('basis_validity') === 1) {
          const colStatus = new Int32Array(numCols);
          const rowStatus = new Int32Array(numRows);
          model.basis(colStatus, rowStatus);
          basis = { colStatus, rowStatus };
        }
      }
      if (names) for (let j = 0; j < numCols; j++) columns[names[j] as string] = values[j] as number;
      else for (let j = 0; j < numCols; j++) columns[model.colName(j)] = values[j] as number;
      objective = model.objectiveValue();
    }
    let mipGap: number | null = null;
    let dualBound: number | null = status === 'optimal' ? objective : null;
    if (isMip) {
      const g = model.info('mip_gap');
      mipGap = Number.isFinite(g) ? (status === 'optimal' ? Math.max(0, g) : g) : null;
      const b = model.info('mip_dual_bound');
      dualBound = Number.isFinite(b) ? b : null;
    }
    const done = performance.now();
    return {
      status,
      rawStatus,
      objective,
      columns,
      mipGap,
      dualBound,
      solveTimeMs: done - started,
      phases: { loadMs, runMs: readStarted - runStarted, readMs: done - readStarted },
      ...(columnDuals ? { columnDuals } : {}),
      ...(basis ? { basis } : {}),
    };
  };

  return {
    name,

    solve(lp: string, options: SolveOptions): SolverResult {
      const started = performance.now();
      const model = new addon.HighsModel();
      // The C API reads models from files only: the text goes through a private temporary file.
      const dir = mkdtempSync(join(tmpdir(), 'carbonreducer-highs-'));
      try {
        try {
          const file = join(dir, 'model.lp');
          writeFileSync(file, lp);
          model.readModel(file);
        } catch (err) {
          throw new Error('HiGHS could not read the generated LP model', { cause: err });
        }
        configure(model, options, false);
        const n = model.numCols();
        // A model read from text: MIP when it declared integers; HiGHS reports mip_node_count ≥ 0 then.
        const result = run(model, true, n, 0, null, started, performance.now() - started);
        return model.info('mip_node_count') >= 0 ? result : { ...result, mipGap: null };
      } finally {
        model.dispose();
        rmSync(dir, { recursive: true, force: true });
      }
    },

    lpSession(problem: MilpProblem): LpSession {
      const n = problem.columnNames.length;
      const m = problem.rowNames.length;
      const model = new addon.HighsModel();
      try {
        passProblem(model, problem, false);
      } catch (err) {
        model.dispose();
        throw new Error('HiGHS rejected the model arrays', { cause: err });
      }
      const lower = Float64Array.from(problem.colLower);
      const upper = Float64Array.from(problem.colUpper);
      let cold = true;
      return {
        solve(colLower: Float64Array, colUpper: Float64Array, options: SolveOptions): SolverResult {
          const started = performance.now();
          // Only the bounds that changed, so HiGHS keeps its basis and factorisation (a hot start).
          const changed: number[] = [];
          for (let j = 0; j < n; j++) {
            if (colLower[j] !== lower[j] || colUpper[j] !== upper[j]) changed.push(j);
          }
          if (changed.length > 0) {
            model.changeColsBounds(
              Int32Array.from(changed),
              Float64Array.from(changed, (j) => colLower[j] as number),
              Float64Array.from(changed, (j) => colUpper[j] as number),
            );
            for (const j of changed) {
              lower[j] = colLower[j] as number;
              upper[j] = colUpper[j] as number;
            }
          }
          configure(model, options, true);
          const strategy = cold ? LP_SESSION_SIMPLEX_STRATEGY.cold : LP_SESSION_SIMPLEX_STRATEGY.hot;
          model.setOption('simplex_strategy', strategy);
          cold = false;
          return run(model, false, n, m, problem.columnNames, started, performance.now() - started);
        },
        dispose() {
          model.dispose();
        },
      };
    },

    solveProblem(problem: MilpProblem, options: ProblemSolveOptions): SolverResult {
      const started = performance.now();
      const n = problem.columnNames.length;
      const m = problem.rowNames.length;
      if (n === 0) {
        // Nothing to decide (everything fixed): HiGHS would report an empty model rather than an optimum.
        const ms = performance.now() - started;
        return {
          status: 'optimal',
          rawStatus: 'empty',
          objective: 0,
          columns: {},
          mipGap: 0,
          dualBound: 0,
          solveTimeMs: ms,
          phases: { loadMs: 0, runMs: ms, readMs: 0 },
        };
      }
      const isLp = !problem.integrality.some((v) => v !== 0);
      const model = new addon.HighsModel();
      try {
        try {
          passProblem(model, problem, !isLp);
          const basis = options.basis;
          if (basis && basis.colStatus.length === n && basis.rowStatus.length === m) {
            model.setBasis(basis.colStatus, basis.rowStatus);
          }
          if (options.start) {
            const start = options.start;
            model.setSolution(Float64Array.from(problem.columnNames, (c) => start[c] ?? 0));
          }
        } catch (err) {
          throw new Error('HiGHS rejected the model arrays', { cause: err });
        }
        configure(model, options, isLp);
        return run(model, !isLp, n, m, problem.columnNames, started, performance.now() - started);
      } finally {
        model.dispose();
      }
    },
  };
}

/** Hands the model arrays to HiGHS; without `withIntegers` it is the LP relaxation. */
function passProblem(model: NativeHighsModel, problem: MilpProblem, withIntegers: boolean): void {
  const { starts, indices, values } = problem.matrix;
  model.passModel(
    problem.colCost,
    problem.colLower,
    problem.colUpper,
    problem.rowLower,
    problem.rowUpper,
    starts,
    indices,
    values,
    withIntegers ? problem.integrality : null,
  );
}

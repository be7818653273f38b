import { HighsNativeMissingError } from '@carbonreducer/highs-native';
import loadHighs from 'highs';
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
import { createNativeHighsSolver, DEFAULT_NATIVE_HIGHS_OPTIONS } from './highsNative';

/** The npm `highs` release (HiGHS 1.15 as WebAssembly), as pinned in this package's manifest. */
export const WASM_HIGHS_VERSION = '1.15.3';

type Highs = Awaited<ReturnType<typeof loadHighs>>;
type HighsModel = ReturnType<Highs['createModel']>;

/**
 * HiGHS options of the WebAssembly solver unless overridden, chosen by measurement on the benchmark's 96-slot homes
 * (WebAssembly build, one thread):
 * - the sub-MIP primal heuristics (RINS, RENS, root reduced cost) are off: on the hard homes they spent most of
 *   the time in nested sub-MIPs (up to 10 deep) after the incumbent was already optimal; without them the 20
 *   hardest of 300 homes took 18 s of CPU instead of 50 s and typical homes were no slower;
 * - the feasibility-jump heuristic is off: our models always have an easy feasible point (every wish is soft),
 *   and it cost typical homes time.
 */
export const DEFAULT_HIGHS_OPTIONS: Readonly<Record<string, string | number | boolean>> = {
  mip_heuristic_run_feasibility_jump: false,
  mip_heuristic_run_rins: false,
  mip_heuristic_run_rens: false,
  mip_heuristic_run_root_reduced_cost: false,
};

/** Which HiGHS build `createHighsSolver` uses: `auto` = native when the addon is built, else WebAssembly. */
export type HighsBackend = 'auto' | 'native' | 'wasm';

/**
 * The HiGHS solver for this process: native HiGHS 1.16 (`@carbonreducer/highs-native`, built by
 * `scripts/stack install`) when its addon is built, else the WebAssembly build (npm `highs`), with each one's
 * measured default options unless `extraOptions` is given. `backend` forces one (`native` throws
 * `HighsNativeMissingError` when the addon is missing). The solver's `name` says which one it is, and every plan
 * it makes carries that name (`plan.model.solver`). Keep one per process or worker thread and reuse it.
 */
export async function createHighsSolver(
  extraOptions?: Readonly<Record<string, string | number | boolean>>,
  backend: HighsBackend = 'auto',
): Promise<MilpSolver> {
  if (backend !== 'wasm') {
    try {
      return createNativeHighsSolver(extraOptions ?? DEFAULT_NATIVE_HIGHS_OPTIONS);
    } catch (err) {
      if (backend === 'native' || !(err instanceof HighsNativeMissingError)) throw err;
    }
  }
  return createWasmHighsSolver(extraOptions ?? DEFAULT_HIGHS_OPTIONS);
}

/**
 * Loads the HiGHS WebAssembly solver (npm `highs`) once and wraps it as the core's `MilpSolver`. This is edge
 * code: the loader reads highs.wasm from disk. Each solve uses a fresh native model, disposed afterwards; the
 * WebAssembly module (and V8's optimised code for it) is shared by all solves of this solver, so keep one per
 * process or worker thread and reuse it.
 */
export async function createWasmHighsSolver(
  extraOptions: Readonly<Record<string, string | number | boolean>> = DEFAULT_HIGHS_OPTIONS,
): Promise<MilpSolver> {
  let highs: Highs;
  try {
    highs = await loadHighs();
  } catch (err) {
    throw new Error('cannot load the HiGHS WebAssembly solver (npm package `highs`)', { cause: err });
  }
  const S = highs.constants.modelStatus;
  const statusOf = (code: number): { status: SolverStatus; rawStatus: string } => {
    const name = Object.entries(S).find(([, v]) => v === code)?.[0] ?? `status ${code}`;
    if (code === S.optimal) return { status: 'optimal', rawStatus: name };
    if (code === S.infeasible) return { status: 'infeasible', rawStatus: name };
    if (code === S.timeLimit) return { status: 'time_limit', rawStatus: name };
    return { status: 'other', rawStatus: name };
  };

  /** Runs a loaded model and reads the result; `names` maps column j to its name (read from HiGHS if absent). */
  const run = (
    model: HighsModel,
    options: SolveOptions,
    names: readonly string[] | null,
    started: number,
    loadMs: number,
    isLp = false,
  ): SolverResult => {
    model.options.set({
      output_flag: false,
      // LPs without presolve: on the benchmark homes 2-4 % less CPU in all and a 10 % lower median (their LPs are
      // small; presolve costs more than it saves the simplex).
      ...(isLp ? { presolve: 'off' } : {}),
      ...extraOptions,
      time_limit: options.timeLimitSec,
      mip_rel_gap: options.mipRelGap,
    } as Parameters<typeof model.options.set>[0]);
    const runStarted = performance.now();
    model.run();
    const readStarted = performance.now();
    const { status, rawStatus } = statusOf(model.getModelStatus());
    // An LP (no integer columns) reports no MIP figures: node count −1, gap ∞ and a dual bound of 0 that must
    // not be read as a bound. Its optimum is its own bound.
    const isMip = Number(model.info.get('mip_node_count')) >= 0;
    const columns: Record<string, number> = {};
    let objective: number | null = null;
    const primal = Number(model.info.get('primal_solution_status'));
    // 2 = feasible primal solution available.
    let columnDuals: Float64Array | undefined;
    let basis: LpBasis | undefined;
    if (primal === 2) {
      const solution = model.getSolution();
      const values = solution.colValue;
      // Reduced costs, for LPs only (a MIP's are not duals of anything): `solveHome` fixes binaries with them.
      if (status === 'optimal' && !isMip && solution.colDual.length === values.length) {
        columnDuals = Float64Array.from(solution.colDual);
        // 1 = valid basis.
        if (Number(model.info.get('basis_validity')) === 1) {
          const b = model.getBasis();
          basis = { colStatus: Int32Array.from(b.colStatus), rowStatus: Int32Array.from(b.rowStatus) };
        }
      }
      const n = values.length;
      if (names) for (let j = 0; j < n; j++) columns[names[j] as string] = values[j] as number;
      else for (let j = 0; j < n; j++) columns[model.getColName(j)] = values[j] as number;
      objective = model.getObjectiveValue();
    }
    let mipGap: number | null = null;
    let dualBound: number | null = status === 'optimal' ? objective : null;
    if (isMip) {
      const g = Number(model.info.get('mip_gap'));
      mipGap = Number.isFinite(g) ? (status === 'optimal' ? Math.max(0, g) : g) : null;
      const b = Number(model.info.get('mip_dual_bound'));
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
    name: `highs-wasm ${WASM_HIGHS_VERSION}`,

    solve(lp: string, options: SolveOptions): SolverResult {
      const started = performance.now();
      let model: HighsModel;
      try {
        model = highs.createModel({ format: 'lp', data: lp });
      } catch (err) {
        throw new Error('HiGHS could not read the generated LP model', { cause: err });
      }
      try {
        return run(model, options, null, started, performance.now() - started);
      } finally {
        model.dispose();
      }
    },

    lpSession(problem: MilpProblem): LpSession {
      const n = problem.columnNames.length;
      const model = highs.createModel();
      try {
        passProblem(model, problem, false);
      } catch (err) {
        model.dispose();
        throw new Error('HiGHS rejected the model arrays', { cause: err });
      }
      const lower = Float64Array.from(problem.colLower);
      const upper = Float64Array.from(problem.colUpper);
      return {
        solve(colLower: Float64Array, colUpper: Float64Array, options: SolveOptions): SolverResult {
          const started = performance.now();
          // Only the bounds that changed, so HiGHS keeps its basis and factorisation (a hot start).
          const changed: number[] = [];
          for (let j = 0; j < n; j++) {
            if (colLower[j] !== lower[j] || colUpper[j] !== upper[j]) changed.push(j);
          }
          if (changed.length > 0) {
            const idx = Int32Array.from(changed);
            model.changeColsBounds(
              { kind: 'set', indices: idx },
              Float64Array.from(changed, (j) => colLower[j] as number),
              Float64Array.from(changed, (j) => colUpper[j] as number),
            );
            for (const j of changed) {
              lower[j] = colLower[j] as number;
              upper[j] = colUpper[j] as number;
            }
          }
          return run(model, options, problem.columnNames, started, performance.now() - started, true);
        },
        dispose() {
          model.dispose();
        },
      };
    },

    solveProblem(problem: MilpProblem, options: ProblemSolveOptions): SolverResult {
      const started = performance.now();
      if (problem.columnNames.length === 0) {
        // Nothing to decide (everything fixed): HiGHS would report an empty model rather than an optimum.
        const ms = performance.now() - started;
        const phases = { loadMs: 0, runMs: ms, readMs: 0 };
        return {
          status: 'optimal',
          rawStatus: 'empty',
          objective: 0,
          columns: {},
          mipGap: 0,
          dualBound: 0,
          solveTimeMs: ms,
          phases,
        };
      }
      const isLp = !problem.integrality.some((v) => v !== 0);
      const model = highs.createModel();
      try {
        try {
          passProblem(model, problem, !isLp);
          const basis = options.basis;
          if (
            basis &&
            basis.colStatus.length === problem.columnNames.length &&
            basis.rowStatus.length === problem.rowNames.length
          ) {
            model.setBasis(basis);
          }
          if (options.start) {
            const start = options.start;
            model.setSolution({ colValue: Float64Array.from(problem.columnNames, (n) => start[n] ?? 0) });
          }
        } catch (err) {
          throw new Error('HiGHS rejected the model arrays', { cause: err });
        }
        return run(model, options, problem.columnNames, started, performance.now() - started, isLp);
      } finally {
        model.dispose();
      }
    },
  };
}

/** Hands the model arrays to HiGHS; without `withIntegers` it is the LP relaxation. */
function passProblem(model: HighsModel, problem: MilpProblem, withIntegers: boolean): void {
  const numRows = problem.rowNames.length;
  const numCols = problem.columnNames.length;
  model.passModel({
    numCols,
    numRows,
    colCost: problem.colCost,
    // This build's infinity is IEEE infinity, as in MilpProblem.
    colLower: problem.colLower,
    colUpper: problem.colUpper,
    rowLower: problem.rowLower,
    rowUpper: problem.rowUpper,
    matrix: { format: 'csr', numRows, numCols, ...problem.matrix },
    ...(withIntegers ? { integrality: problem.integrality as Int32Array } : {}),
  } as Parameters<HighsModel['passModel']>[0]);
}

import loadHighs from 'highs';
import type { MilpSolver, SolveOptions, SolverResult, SolverStatus } from '../core/types';

type Highs = Awaited<ReturnType<typeof loadHighs>>;

/**
 * Loads the HiGHS WebAssembly solver (npm `highs`) once and wraps it as the core's `MilpSolver`. This is edge
 * code: the loader reads highs.wasm from disk. Each `solve` uses a fresh native model, disposed afterwards.
 */
/**
 * HiGHS options used unless overridden. Without the feasibility-jump primal heuristic the WebAssembly build
 * spent about half the CPU time on typical 96-slot homes in our measurements (≈ 50 vs 130 ms on a loaded
 * machine; mixed on the hardest ones), and our models always have an easy feasible point (every wish is soft).
 */
export const DEFAULT_HIGHS_OPTIONS: Readonly<Record<string, string | number | boolean>> = {
  mip_heuristic_run_feasibility_jump: false,
};

export async function createHighsSolver(
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

  return {
    solve(lp: string, options: SolveOptions): SolverResult {
      const started = performance.now();
      let model: ReturnType<Highs['createModel']>;
      try {
        model = highs.createModel({ format: 'lp', data: lp });
      } catch (err) {
        throw new Error('HiGHS could not read the generated LP model', { cause: err });
      }
      try {
        model.options.set({
          output_flag: false,
          ...extraOptions,
          time_limit: options.timeLimitSec,
          mip_rel_gap: options.mipRelGap,
        } as Parameters<typeof model.options.set>[0]);
        model.run();
        const { status, rawStatus } = statusOf(model.getModelStatus());
        const columns: Record<string, number> = {};
        let objective: number | null = null;
        const primal = Number(model.info.get('primal_solution_status'));
        // 2 = feasible primal solution available.
        if (primal === 2) {
          const values = model.getSolution().colValue;
          const n = model.getDimensions().numCols;
          for (let j = 0; j < n; j++) columns[model.getColName(j)] = values[j] as number;
          objective = model.getObjectiveValue();
        }
        let mipGap: number | null = null;
        try {
          const g = Number(model.info.get('mip_gap'));
          mipGap = Number.isFinite(g) ? (status === 'optimal' ? Math.max(0, g) : g) : null;
        } catch {
          mipGap = null; // not a MIP: no gap to report
        }
        return { status, rawStatus, objective, columns, mipGap, solveTimeMs: performance.now() - started };
      } finally {
        model.dispose();
      }
    },
  };
}

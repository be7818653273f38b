import { decidePromotion, type DirectModelMeta, type HorizonMetrics, type ModelTarget } from '@carbonreducer/forecast';
import { createHash } from 'node:crypto';
import { mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';

/** Default registry root: `<repo>/models/registry` (this file sits at models/src). */
export const DEFAULT_REGISTRY_ROOT = resolve(__dirname, '..', 'registry');

export type ModelType = 'gbm-direct' | 'lstm' | 'ensemble';

/** A stored model: its metadata, `model.onnx`, and any further files listed in `meta.extraFiles`. */
export interface StoredModel {
  meta: ModelMetadata;
  onnx: Uint8Array;
  extra: Record<string, Uint8Array>;
}

const EXTRA_FILE = /^[a-z0-9-]+\.onnx$/;

/** What is stored next to each ONNX file. */
export interface ModelMetadata {
  target: ModelTarget;
  version: string;
  createdAt: string;
  /**
   * Which model produced the backtest figures and is served: the direct GBM (`model.onnx`), the LSTM (`model.onnx`),
   * or their equal-weight average (GBM in `model.onnx`, LSTM in `lstm.onnx`).
   */
  modelType: ModelType;
  trainingWindow: { from: string; to: string };
  /** Backtest test window (rolling-origin evaluation, data not trained on). */
  testWindow: { from: string; to: string };
  features: string[];
  hyperparameters: Record<string, unknown>;
  /** SHA-256 of the training series (start, step and values), so a retrain on the same data is recognisable. */
  dataHash: string;
  onnxSha256: string;
  backtest: { points: number; horizons: HorizonMetrics[] };
  /** The direct model without its trees: horizons, feature kind, interval bands (gbm-direct and ensemble). */
  direct?: DirectModelMeta;
  /** The LSTM's metadata (window, step, horizons, gap filling, training figures) (lstm and ensemble). */
  lstm?: Record<string, unknown>;
  /** Further ONNX files of the model beside `model.onnx`, by file name, with their SHA-256. */
  extraFiles?: Record<string, string>;
  /** Source data attribution for anything shown from this model. */
  attribution: string;
}

export interface Champion {
  version: string;
  promotedAt: string;
  score: number;
}

/**
 * Score for champion/challenger: mean over horizons of MAE / seasonal-naive MAE (lower is better). Relative to the
 * naive baseline on the same points, so backtests on different test windows stay comparable.
 */
export function backtestScore(horizons: readonly HorizonMetrics[]): number {
  const ratios = horizons.map((h) => h.mae / h.seasonalNaiveMae).filter((r) => Number.isFinite(r));
  if (ratios.length === 0) throw new Error('backtestScore: no horizon has finite MAE figures');
  return ratios.reduce((s, r) => s + r, 0) / ratios.length;
}

export function sha256(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

export function hashSeries(s: { startMs: number; stepMs: number; values: Float64Array }): string {
  const h = createHash('sha256');
  h.update(`${s.startMs}:${s.stepMs}:`);
  h.update(new Uint8Array(s.values.buffer, s.values.byteOffset, s.values.byteLength));
  return h.digest('hex');
}

/** Versioned ONNX models with metadata under `<root>/<target>/<version>/`, and `<root>/<target>/champion.json`. */
export class ModelRegistry {
  constructor(readonly root: string = DEFAULT_REGISTRY_ROOT) {}

  private dir(target: ModelTarget, version?: string): string {
    return version ? join(this.root, target, version) : join(this.root, target);
  }

  /** Writes the model; the version is `<UTC timestamp>-<first 8 hex of the ONNX hash>`. Never overwrites. */
  async register(
    meta: Omit<ModelMetadata, 'version' | 'onnxSha256' | 'createdAt' | 'extraFiles'>,
    onnx: Uint8Array,
    nowMs: number,
    /** Further ONNX files (name → bytes), e.g. the LSTM of an ensemble; names like `lstm.onnx`. */
    extra: Record<string, Uint8Array> = {},
  ): Promise<ModelMetadata> {
    for (const name of Object.keys(extra)) {
      if (!EXTRA_FILE.test(name) || name === 'model.onnx')
        throw new RangeError(`register: extra file name ${JSON.stringify(name)} must look like lstm.onnx`);
    }
    const onnxSha256 = sha256(onnx);
    const createdAt = new Date(nowMs).toISOString();
    const version = `${createdAt.replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z')}-${onnxSha256.slice(0, 8)}`;
    const extraFiles = Object.fromEntries(Object.entries(extra).map(([n, b]) => [n, sha256(b)]));
    const full: ModelMetadata = {
      ...meta,
      version,
      createdAt,
      onnxSha256,
      ...(Object.keys(extraFiles).length > 0 ? { extraFiles } : {}),
    };
    const dir = this.dir(meta.target, version);
    try {
      await mkdir(dir, { recursive: false }).catch(async (err: NodeJS.ErrnoException) => {
        if (err.code === 'ENOENT') {
          await mkdir(this.dir(meta.target), { recursive: true });
          await mkdir(dir);
        } else throw err;
      });
      await writeFile(join(dir, 'model.onnx'), onnx);
      for (const [n, b] of Object.entries(extra)) await writeFile(join(dir, n), b);
      await writeFile(join(dir, 'meta.json'), `${JSON.stringify(full, null, 2)}\n`);
    } catch (err) {
      throw new Error(`cannot write model ${version} to ${dir}`, { cause: err });
    }
    return full;
  }

  async versions(target: ModelTarget): Promise<string[]> {
    try {
      const entries = await readdir(this.dir(target), { withFileTypes: true });
      return entries
        .filter((e) => e.isDirectory())
        .map((e) => e.name)
        .sort();
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw new Error(`cannot list ${this.dir(target)}`, { cause: err });
    }
  }

  async load(target: ModelTarget, version: string): Promise<StoredModel> {
    const dir = this.dir(target, version);
    try {
      const meta = JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8')) as ModelMetadata;
      const onnx = new Uint8Array(await readFile(join(dir, 'model.onnx')));
      if (sha256(onnx) !== meta.onnxSha256) throw new Error(`model.onnx does not match the hash in meta.json`);
      const extra: Record<string, Uint8Array> = {};
      for (const [n, hash] of Object.entries(meta.extraFiles ?? {})) {
        if (!EXTRA_FILE.test(n)) throw new Error(`meta.json lists an extra file with a bad name: ${JSON.stringify(n)}`);
        const b = new Uint8Array(await readFile(join(dir, n)));
        if (sha256(b) !== hash) throw new Error(`${n} does not match the hash in meta.json`);
        extra[n] = b;
      }
      return { meta, onnx, extra };
    } catch (err) {
      throw new Error(`cannot load ${target} model ${version} from ${dir}`, { cause: err });
    }
  }

  async champion(target: ModelTarget): Promise<Champion | null> {
    try {
      return JSON.parse(await readFile(join(this.dir(target), 'champion.json'), 'utf8')) as Champion;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw new Error(`cannot read the ${target} champion in ${this.dir(target)}`, { cause: err });
    }
  }

  async loadChampion(target: ModelTarget): Promise<StoredModel> {
    const c = await this.champion(target);
    if (c === null) {
      throw new Error(
        `no ${target} champion in ${this.dir(target)}: train one with trainAndRegister or the backtest CLI --register`,
      );
    }
    return this.load(target, c.version);
  }

  /**
   * Champion/challenger by the one rule (`decidePromotion` of @carbonreducer/forecast): the challenger becomes
   * champion when there is none, or when its backtest score is lower by `minImprovement`.
   * Returns whether it was promoted and both scores.
   */
  async promoteIfBetter(
    target: ModelTarget,
    version: string,
    nowMs: number,
    /** Share by which the challenger's score must be lower (the retrain workflow decides with its own margin first). */
    minImprovement = 0,
  ): Promise<{ promoted: boolean; challengerScore: number; championScore: number | null }> {
    const { meta } = await this.load(target, version);
    const challengerScore = backtestScore(meta.backtest.horizons);
    const current = await this.champion(target);
    const rival = current !== null && current.version !== version ? current : null;
    const decision = decidePromotion(
      {
        challengerVersion: version,
        challengerScore,
        championVersion: rival?.version ?? null,
        championScore: rival?.score ?? null,
      },
      minImprovement,
    );
    if (!decision.promote) {
      return { promoted: false, challengerScore, championScore: current?.score ?? null };
    }
    const champion: Champion = { version, promotedAt: new Date(nowMs).toISOString(), score: challengerScore };
    const file = join(this.dir(target), 'champion.json');
    // Write then rename, so a reader never sees half a file.
    await writeFile(`${file}.tmp`, `${JSON.stringify(champion, null, 2)}\n`);
    await rename(`${file}.tmp`, file);
    return { promoted: true, challengerScore, championScore: current?.score ?? null };
  }
}

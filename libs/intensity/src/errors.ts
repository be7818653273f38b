/** Base of every error a carbon-intensity source throws: names the source so a fallback chain can report it. */
export class IntensitySourceError extends Error {
  constructor(
    readonly source: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${source}: ${message}`, options);
    this.name = 'IntensitySourceError';
  }
}

/** A non-2xx HTTP answer (after any retries). `url` has secrets removed. */
export class SourceHttpError extends IntensitySourceError {
  constructor(
    source: string,
    readonly status: number,
    readonly url: string,
    detail: string,
    readonly attempts: number,
  ) {
    super(source, `HTTP ${status} from GET ${url} after ${attempts} attempt(s)${detail ? `: ${detail}` : ''}`);
    this.name = 'SourceHttpError';
  }
}

/** The request did not complete: timeout or network failure (after any retries). */
export class SourceNetworkError extends IntensitySourceError {
  constructor(
    source: string,
    readonly url: string,
    detail: string,
    readonly attempts: number,
    options?: { cause?: unknown },
  ) {
    super(source, `GET ${url} failed after ${attempts} attempt(s): ${detail}`, options);
    this.name = 'SourceNetworkError';
  }
}

/** The answer arrived but does not have the documented shape; `path` says where (e.g. `data[3].intensity.actual`). */
export class SourceResponseError extends IntensitySourceError {
  constructor(
    source: string,
    readonly url: string,
    readonly path: string,
    problem: string,
  ) {
    super(source, `unexpected response from ${url}: ${path} ${problem}`);
    this.name = 'SourceResponseError';
  }
}

/** The source has no data for this region (or this kind of data for it). */
export class UnsupportedRegionError extends IntensitySourceError {
  constructor(source: string, message: string) {
    super(source, message);
    this.name = 'UnsupportedRegionError';
  }
}

/** The source answered validly but had no points for the requested period. */
export class NoDataError extends IntensitySourceError {
  constructor(source: string, message: string) {
    super(source, message);
    this.name = 'NoDataError';
  }
}

/** Invalid configuration (environment); the message names the variable. */
export class IntensityConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'IntensityConfigError';
  }
}

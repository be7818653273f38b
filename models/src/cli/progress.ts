import { SingleBar } from 'cli-progress';

/**
 * Progress of a long run on stderr (cli-progress): a bar when stderr is a terminal, nothing otherwise (logs, CI,
 * pipes), so stdout stays exactly the result (--json) and logs stay readable.
 */
export interface Progress {
  update(done: number, total: number, label: string): void;
  done(): void;
}

export function createProgress(stream: NodeJS.WriteStream = process.stderr, quiet = false): Progress {
  if (quiet || stream.isTTY !== true) return { update: () => undefined, done: () => undefined };
  const bar = new SingleBar({
    stream,
    format: '{label} [{bar}] {value}/{total}',
    barsize: 30,
    hideCursor: true,
    clearOnComplete: false,
  });
  let started = false;
  return {
    update(done, total, label) {
      const payload = { label: label.padEnd(28) };
      if (!started) {
        bar.start(total, done, payload);
        started = true;
      } else {
        bar.setTotal(total);
        bar.update(done, payload);
      }
    },
    done() {
      if (started) bar.stop();
      started = false;
    },
  };
}

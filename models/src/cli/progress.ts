/**
 * Progress on stderr: a redrawn bar when stderr is a terminal, plain lines otherwise (logs, CI), so stdout stays
 * clean for --json.
 */
export interface Progress {
  update(done: number, total: number, label: string): void;
  done(): void;
}

export function createProgress(stream: NodeJS.WriteStream = process.stderr, quiet = false): Progress {
  const tty = stream.isTTY === true;
  let lastLine = '';
  let lastLabel = '';
  let lastPct = -1;
  return {
    update(done, total, label) {
      if (quiet) return;
      const frac = total > 0 ? Math.min(1, done / total) : 0;
      if (tty) {
        const width = 30;
        const fill = Math.round(frac * width);
        const line = `${label.padEnd(28)} [${'#'.repeat(fill)}${'-'.repeat(width - fill)}] ${done}/${total}`;
        stream.write(`\r${line.padEnd(lastLine.length)}`);
        lastLine = line;
      } else {
        const pct = Math.floor(frac * 10);
        if (label !== lastLabel || pct !== lastPct) stream.write(`${label}: ${done}/${total}\n`);
        lastLabel = label;
        lastPct = pct;
      }
    },
    done() {
      if (tty && lastLine !== '') stream.write('\n');
      lastLine = '';
    },
  };
}

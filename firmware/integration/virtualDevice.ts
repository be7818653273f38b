/**
 * The Linux build of the firmware (firmware/build/cr_virtual_device) as a child process for integration tests: its
 * config file and flash files in a temp directory, its JSON event lines collected, stdin for the button.
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';

export const firmwareRoot = resolve(__dirname, '..');
export const repoRoot = resolve(firmwareRoot, '..');
const binary = join(firmwareRoot, 'build', 'cr_virtual_device');

/** Configures (first time) and builds the host targets; incremental. */
export async function buildFirmware(): Promise<void> {
  try {
    await promisify(execFile)('bash', [join(firmwareRoot, 'scripts', 'build.sh')], { timeout: 600_000 });
  } catch (err) {
    throw new Error(`building the firmware (firmware/scripts/build.sh) failed: ${String(err)}`, { cause: err });
  }
}

export interface DeviceEvent {
  t: number;
  event: string;
  detail: string;
}

export class VirtualDevice {
  readonly dataDir = mkdtempSync(join(tmpdir(), 'cr-fw-'));
  readonly events: DeviceEvent[] = [];
  private proc: ChildProcess | undefined;
  private stderr = '';

  constructor(
    private readonly configLines: Record<string, string | number>,
    private readonly args: string[] = [],
  ) {
    writeFileSync(
      join(this.dataDir, 'device.conf'),
      Object.entries(configLines)
        .map(([k, v]) => `${k}=${v}`)
        .join('\n') + '\n',
    );
  }

  start(): void {
    const proc = spawn(binary, ['--config', join(this.dataDir, 'device.conf'), '--data', this.dataDir, ...this.args], {
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    let partial = '';
    proc.stdout?.on('data', (d: Buffer) => {
      partial += d.toString();
      const lines = partial.split('\n');
      partial = lines.pop() ?? '';
      for (const line of lines) if (line.trim() !== '') this.events.push(JSON.parse(line) as DeviceEvent);
    });
    proc.stderr?.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.proc = proc;
  }

  press(): void {
    this.proc?.stdin?.write('button\n');
  }

  /** SIGTERM: a clean stop (offline status, stats line); SIGKILL: power cut. */
  async stop(signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
    const proc = this.proc;
    this.proc = undefined;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill(signal);
    await exited;
  }

  of(event: string): DeviceEvent[] {
    return this.events.filter((e) => e.event === event);
  }

  async waitFor(
    event: string,
    timeoutMs: number,
    count = 1,
    match: (e: DeviceEvent) => boolean = () => true,
  ): Promise<DeviceEvent[]> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.of(event).filter(match);
      if (found.length >= count) return found;
      if (Date.now() > deadline) {
        throw new Error(
          `virtual device: no ${count}× "${event}" within ${timeoutMs} ms; stderr: ${this.stderr}; events: ${JSON.stringify(this.events.slice(-15))}`,
        );
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  /** `key=value` pairs of an event's detail. */
  static fields(e: DeviceEvent): Record<string, string> {
    return Object.fromEntries(e.detail.split(' ').map((kv) => kv.split('=') as [string, string]));
  }

  cleanup(): void {
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

/**
 * The command tree of `carbonreducer`, as data: each leaf runs one of the project's programs (the existing bins keep
 * their names, arguments and output; this command adds one entry point, help on every level and completion).
 * Paths are relative to the repository root.
 */
export interface Leaf {
  name: string;
  summary: string;
  examples: string[];
  /** `node BIN PREFIX… ARGS…` or `bash SCRIPT PREFIX… ARGS…`. */
  run: { kind: 'node' | 'bash'; path: string; prefix: string[] };
}

export interface Group {
  name: string;
  summary: string;
  examples: string[];
  children: Node[];
}

export type Node = Leaf | Group;

export const isGroup = (n: Node): n is Group => 'children' in n;

const node = (path: string, ...prefix: string[]) => ({ kind: 'node' as const, path, prefix });
const STACK = (sub: string): Leaf['run'] => ({ kind: 'bash', path: 'scripts/stack', prefix: [sub] });
const WORKFLOWS = 'workflows/bin/carbonreducer-workflows.js';

export const TREE: Group = {
  name: 'carbonreducer',
  summary: 'Cut the carbon footprint of homes: the native stack, ingestion, forecasts, plans and workflows',
  examples: [
    'carbonreducer stack up',
    'carbonreducer workflows plan --home sim-001',
    'carbonreducer models backtest load --train a.csv.gz --test b.csv.gz --json',
    'source <(carbonreducer completion bash)',
  ],
  children: [
    {
      name: 'stack',
      summary: 'Install, start, stop and inspect the native servers (scripts/stack)',
      examples: ['carbonreducer stack install', 'carbonreducer stack up influxdb', 'carbonreducer stack status'],
      children: [
        {
          name: 'install',
          summary: 'Install every pinned server (idempotent)',
          examples: ['carbonreducer stack install'],
          run: STACK('install'),
        },
        {
          name: 'up',
          summary: 'Start servers (all, or the named ones) and set them up',
          examples: ['carbonreducer stack up', 'carbonreducer stack up keycloak'],
          run: STACK('up'),
        },
        {
          name: 'down',
          summary: 'Stop servers (all, or the named ones)',
          examples: ['carbonreducer stack down telegraf'],
          run: STACK('down'),
        },
        {
          name: 'status',
          summary: 'Which servers are up, with URLs and ingest health',
          examples: ['carbonreducer stack status'],
          run: STACK('status'),
        },
        {
          name: 'logs',
          summary: "A server's log",
          examples: ['carbonreducer stack logs telegraf'],
          run: STACK('logs'),
        },
        {
          name: 'env',
          summary: 'URLs, ports and generated credentials for clients',
          examples: ['eval "$(carbonreducer stack env)"'],
          run: STACK('env'),
        },
      ],
    },
    {
      name: 'simulate',
      summary: 'Replay real homes (REFIT/UK-DALE) as devices over MQTT',
      examples: ['carbonreducer simulate --homes 10 --speed 60', 'carbonreducer simulate --help'],
      run: node('pipeline/bin/carbonreducer-simulator.js'),
    },
    {
      name: 'gateway',
      summary: 'The edge gateway: local broker in, disk buffer, central broker out',
      examples: ['GATEWAY_HOME_ID=home-7 carbonreducer gateway', 'carbonreducer gateway --help'],
      run: node('pipeline/bin/carbonreducer-gateway.js'),
    },
    {
      name: 'ingest',
      summary: 'Fetch grid carbon intensity (actuals and forecasts) into InfluxDB once',
      examples: ['INTENSITY_SOURCES=neso,file carbonreducer ingest'],
      run: node('libs/intensity/bin/ingest-intensity.js'),
    },
    {
      name: 'models',
      summary: 'Train, backtest and register forecasting models',
      examples: ['carbonreducer models backtest intensity --train em-2022.csv --test neso-2023H1.csv --plot bt.png'],
      children: [
        {
          name: 'backtest',
          summary: 'Rolling-origin backtest of the intensity or load model (train, evaluate, optionally register)',
          examples: [
            'carbonreducer models backtest load --train h-2014-0{4,5,6}.csv.gz --test h-2014-07.csv.gz --json',
            'carbonreducer models backtest intensity --train em.csv --test neso.csv --register',
          ],
          run: node('models/bin/carbonreducer-models.js', 'backtest'),
        },
      ],
    },
    {
      name: 'optimizer',
      summary: 'Plan flexible loads for low CO2 and evaluate the plans on real data',
      examples: [
        'carbonreducer optimizer evaluate --intensity neso.csv --households h.csv.gz --ev ev.json --forecast model --flex-hours 8 --json',
      ],
      children: [
        {
          name: 'evaluate',
          summary: 'Evaluate plans against run-at-request and perfect foresight on real data',
          examples: [
            'carbonreducer optimizer evaluate --forecast operator --flex-hours 8 --intensity neso.csv --households h.csv.gz --ev ev.json',
          ],
          run: node('models/bin/carbonreducer-optimizer.js', 'evaluate'),
        },
      ],
    },
    {
      name: 'workflows',
      summary: 'Homes, run requests, plans and schedules in Temporal',
      examples: ['carbonreducer workflows homes list', 'carbonreducer workflows plan --home sim-001'],
      children: [
        {
          name: 'homes',
          summary: 'Register, list and deactivate homes',
          examples: [
            'carbonreducer workflows homes register h-1 --import-limit-w 5000',
            'carbonreducer workflows homes list',
          ],
          run: node(WORKFLOWS, 'homes'),
        },
        {
          name: 'request-run',
          summary: "Ask for an appliance run in a home's schedule",
          examples: [
            'carbonreducer workflows request-run --home h-1 --device dw --appliance dishwasher --duration-min 120 --power-w 1200 --ready-by 2026-12-04T07:00:00Z',
          ],
          run: node(WORKFLOWS, 'request-run'),
        },
        {
          name: 'plan',
          summary: "A home's current plan (JSON)",
          examples: ['carbonreducer workflows plan --home sim-001'],
          run: node(WORKFLOWS, 'plan'),
        },
        {
          name: 'run-schedule',
          summary: 'Trigger a schedule now and wait for its workflow',
          examples: ['carbonreducer workflows run-schedule forecast'],
          run: node(WORKFLOWS, 'run-schedule'),
        },
        {
          name: 'bootstrap',
          summary: 'Register the simulated homes, ingest, forecast and request real runs',
          examples: ['carbonreducer workflows bootstrap --homes 10'],
          run: node(WORKFLOWS, 'bootstrap'),
        },
      ],
    },
    {
      name: 'api',
      summary: 'The CarbonReducer API server',
      examples: ['carbonreducer api --help'],
      run: node('api/bin/carbonreducer-api.js'),
    },
  ],
};

/** Every path of names from the root to a leaf or group (for completion and tests). */
export function commandPaths(group: Group = TREE, prefix: string[] = []): string[][] {
  return group.children.flatMap((c) => {
    const path = [...prefix, c.name];
    return isGroup(c) ? [path, ...commandPaths(c, path)] : [path];
  });
}

/** The command tree as the README's "Command line" section shows it (a test keeps the README current). */
export function renderCommandTree(group: Group = TREE, depth = 0): string {
  const lines = group.children.map((c) => {
    const head = `${'  '.repeat(depth)}${c.name.padEnd(Math.max(14 - 2 * depth, c.name.length + 1))}${c.summary}`;
    return isGroup(c) ? [head, renderCommandTree(c, depth + 1)].join('\n') : head;
  });
  if (depth === 0) lines.push(`${'completion'.padEnd(14)}Print a shell completion script (bash, zsh)`);
  return lines.join('\n');
}

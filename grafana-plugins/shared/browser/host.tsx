/**
 * The browser side of the test host: loads a plugin's built module.js the way Grafana does (an AMD module whose
 * externals — react, react-dom, @grafana/data, @grafana/ui, @grafana/runtime, … — the host provides, here from
 * node_modules), gives @grafana/runtime a backend service that calls the local Grafana-speaking server with the
 * signed-in user's token, and renders the panel or the app root.
 */
import * as React from 'react';
import * as ReactDOM from 'react-dom';
import * as ReactDOMClient from 'react-dom/client';
import * as jsxRuntime from 'react/jsx-runtime';
import * as grafanaData from '@grafana/data';
import * as grafanaUi from '@grafana/ui';
import * as grafanaRuntime from '@grafana/runtime';
import * as emotionCss from '@emotion/css';
import * as rxjs from 'rxjs';

declare global {
  interface Window {
    define: ((deps: string[], factory: (...mods: unknown[]) => unknown) => void) & { amd: object };
    harness: typeof harness;
    __token: string;
  }
}

const provided: Record<string, unknown> = {
  react: React,
  'react-dom': ReactDOM,
  'react-dom/client': ReactDOMClient,
  'react/jsx-runtime': jsxRuntime,
  '@grafana/data': grafanaData,
  '@grafana/ui': grafanaUi,
  '@grafana/runtime': grafanaRuntime,
  '@emotion/css': emotionCss,
  rxjs,
};

// AMD as Grafana's SystemJS loader does it for plugins: one define per module.js, `module` gives its own URL.
let pending: { uri: string; resolve: (m: unknown) => void; reject: (e: Error) => void } | null = null;
const define = (deps: string[], factory: (...mods: unknown[]) => unknown) => {
  const p = pending;
  if (!p) throw new Error('define() outside a plugin load');
  try {
    const mods = deps.map((d) => {
      if (d === 'module') return { uri: p.uri };
      if (!(d in provided)) throw new Error(`plugin imports ${d}, which the host does not provide`);
      return provided[d];
    });
    p.resolve(factory(...mods));
  } catch (err) {
    p.reject(err as Error);
  }
};
window.define = Object.assign(define, { amd: {} });

function loadPlugin(id: string): Promise<Record<string, unknown>> {
  const uri = `/public/plugins/${id}/module.js`;
  return new Promise((resolve, reject) => {
    pending = { uri, resolve: (m) => resolve(m as Record<string, unknown>), reject };
    const s = document.createElement('script');
    s.src = uri;
    s.onerror = () => reject(new Error(`could not load ${uri}`));
    document.head.appendChild(s);
  });
}

async function call(method: string, url: string, body?: unknown, params?: Record<string, string>) {
  const q = params ? `?${new URLSearchParams(params).toString()}` : '';
  const res = await fetch(`${url}${q}`, {
    method,
    headers: { Authorization: `Bearer ${window.__token}`, 'Content-Type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  const data = text ? JSON.parse(text) : {};
  if (!res.ok) throw { status: res.status, data };
  return data;
}

grafanaRuntime.setBackendSrv({
  get: (url: string, params?: Record<string, string>) => call('GET', url, undefined, params),
  post: (url: string, body?: unknown) => call('POST', url, body),
  put: (url: string, body?: unknown) => call('PUT', url, body),
  delete: (url: string) => call('DELETE', url),
} as unknown as grafanaRuntime.BackendSrv);

const root = () => ReactDOMClient.createRoot(document.getElementById('root') as HTMLElement);

const harness = {
  /** Queries the data source (through /api/ds/query) and renders the panel plugin with the frames. */
  async renderPanel(opts: {
    homeId: string;
    region: string;
    width: number;
    height: number;
    kioskSize: string;
    horizonHours: number;
  }) {
    const mod = await loadPlugin('carbonreducer-schedule-panel');
    const plugin = mod.plugin as grafanaData.PanelPlugin;
    const now = Date.now();
    const body = await call('POST', '/api/ds/query', {
      from: String(now - 3_600_000),
      to: String(now + 48 * 3_600_000),
      queries: [
        { refId: 'A', queryType: 'intensity', region: opts.region, hours: 48, datasource: { uid: 'carbonreducer' } },
        { refId: 'B', queryType: 'plan', homeId: opts.homeId, datasource: { uid: 'carbonreducer' } },
      ],
    });
    const series: grafanaData.DataFrame[] = [];
    for (const r of Object.values(
      body.results as Record<string, { frames?: grafanaData.DataFrameJSON[]; error?: string }>,
    )) {
      if (r.error) throw new Error(r.error);
      for (const f of r.frames ?? []) series.push(grafanaData.dataFrameFromJSON(f));
    }
    const Panel = plugin.panel as unknown as React.ComponentType<Record<string, unknown>>;
    const timeRange = grafanaData.getDefaultTimeRange();
    root().render(
      <Panel
        id={1}
        data={{ series, state: grafanaData.LoadingState.Done, timeRange }}
        timeRange={timeRange}
        timeZone="utc"
        options={{ horizonHours: opts.horizonHours, appliances: [], kioskSize: opts.kioskSize }}
        fieldConfig={{ defaults: {}, overrides: [] }}
        width={opts.width}
        height={opts.height}
        title="Plan"
        transparent={false}
        renderCounter={0}
        replaceVariables={(s: string) => s}
        onOptionsChange={() => undefined}
        onFieldConfigChange={() => undefined}
        onChangeTimeRange={() => undefined}
        eventBus={new grafanaData.EventBusSrv()}
      />,
    );
    return series.map((f) => `${f.name}:${f.length}`);
  },

  /** Renders the app root at /a/carbonreducer-app/<page>?home=… (Grafana's location service holds the route). */
  async renderApp(page: string, homeId: string | null) {
    const mod = await loadPlugin('carbonreducer-app');
    const plugin = mod.plugin as grafanaData.AppPlugin;
    grafanaRuntime.locationService.push(`/a/carbonreducer-app/${page}${homeId ? `?home=${homeId}` : ''}`);
    const Root = plugin.root as unknown as React.ComponentType<Record<string, unknown>>;
    root().render(
      <Root
        meta={{ id: 'carbonreducer-app', jsonData: { datasourceUid: 'carbonreducer' } }}
        basename="/a/carbonreducer-app"
        query={{}}
        path={`/a/carbonreducer-app/${page}`}
        onNavChanged={() => undefined}
      />,
    );
  },
  navigate: (url: string) => grafanaRuntime.locationService.push(url),
};
window.harness = harness;

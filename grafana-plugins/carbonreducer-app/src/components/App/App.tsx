import React, { useMemo } from 'react';
import type { AppRootProps } from '@grafana/data';
import { Alert, Tab, TabsBar } from '@grafana/ui';
import { createConsoleApi } from '../../api/client';
import { DEFAULT_ACCOUNT_URL, DEFAULT_DATASOURCE_UID, type PageId } from '../../constants';
import { navigate, useRoute } from '../../route';
import { Homes } from '../../pages/Homes';
import { HomePlan } from '../../pages/HomePlan';
import { TradeOff } from '../../pages/TradeOff';
import { Savings } from '../../pages/Savings';
import { Settings } from '../../pages/Settings';

/** App settings (jsonData of the app plugin). */
export interface ConsoleSettings {
  datasourceUid?: string;
  accountUrl?: string;
}

const TABS: { id: PageId; label: string }[] = [
  { id: 'homes', label: 'Homes' },
  { id: 'plan', label: 'Home plan' },
  { id: 'tradeoff', label: 'Trade-off' },
  { id: 'savings', label: 'Savings' },
  { id: 'settings', label: 'Settings' },
];

export interface AppProps extends AppRootProps<ConsoleSettings> {
  /** Called once the home plan is drawn with data (the browser test measures open → drawn with it). */
  onPlanDrawn?: () => void;
}

export function App(props: AppProps) {
  const settings = props.meta?.jsonData ?? {};
  const api = useMemo(
    () => createConsoleApi(settings.datasourceUid ?? DEFAULT_DATASOURCE_UID),
    [settings.datasourceUid]
  );
  const route = useRoute();
  const needsHome = route.page !== 'homes' && !route.homeId;
  return (
    <div>
      <TabsBar>
        {TABS.map((t) => (
          <Tab
            key={t.id}
            label={t.label}
            active={route.page === t.id}
            onChangeTab={() => navigate(t.id, route.homeId)}
          />
        ))}
      </TabsBar>
      <div style={{ padding: 16 }}>
        {needsHome && <Alert title="Choose a home">Open a home from the Homes page first.</Alert>}
        {route.page === 'homes' && <Homes api={api} />}
        {route.page === 'plan' && route.homeId && (
          <HomePlan api={api} homeId={route.homeId} onDrawn={props.onPlanDrawn} />
        )}
        {route.page === 'tradeoff' && route.homeId && <TradeOff api={api} homeId={route.homeId} />}
        {route.page === 'savings' && route.homeId && <Savings api={api} homeId={route.homeId} />}
        {route.page === 'settings' && route.homeId && (
          <Settings api={api} homeId={route.homeId} accountUrl={settings.accountUrl ?? DEFAULT_ACCOUNT_URL} />
        )}
      </div>
    </div>
  );
}

export default App;

import React, { Suspense, lazy } from 'react';
import { AppPlugin, type AppRootProps } from '@grafana/data';
import { LoadingPlaceholder } from '@grafana/ui';
import type { ConsoleSettings } from './components/App/App';

const LazyApp = lazy(() => import('./components/App/App'));

const App = (props: AppRootProps<ConsoleSettings>) => (
  <Suspense fallback={<LoadingPlaceholder text="" />}>
    <LazyApp {...props} />
  </Suspense>
);

export const plugin = new AppPlugin<ConsoleSettings>().setRootPage(App);

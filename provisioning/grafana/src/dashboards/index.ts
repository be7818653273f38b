/** Every provisioned dashboard, in the order the README lists them. */
import type { DashboardSpec } from './common';
import { energyMonitoring } from './energy';
import { forecasting } from './forecasting';
import { myHome } from './myHome';
import { operations } from './operations';
import { savings } from './savings';

export type { DashboardSpec } from './common';
export { INTENSITY_BANDS } from './common';

export const DASHBOARDS: readonly DashboardSpec[] = [energyMonitoring, forecasting, savings, operations, myHome];

import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type {
  CommandAck,
  CurrentPlanView,
  ForecastsChanged,
  ManualStart,
  OverrideRunsInput,
  OverrideRunsResult,
  ParetoInput,
  ParetoResult,
  RequestRunResult,
  RunRequest,
  RunVerification,
} from '../types';

/** A homeowner asks for a run ("dishwasher ready by 07:00"); resolves once it is planned, fails when infeasible. */
export const requestRunUpdate = defineUpdate<RequestRunResult, [RunRequest]>('requestRun');
/**
 * A homeowner starts a planned run now, cancels it, or pins it to a window (several at once, e.g. a Pareto point).
 * The validator refuses with `details` = OverrideRefusal[] (stable codes); the update resolves once the plan that
 * includes the change is made (and a "start now" command has left).
 */
export const overrideRunsUpdate = defineUpdate<OverrideRunsResult, [OverrideRunsInput]>('overrideRuns');
/** The cost vs CO2 curve of the runs still to plan (pins applied), one plan per CO2 price; changes nothing. */
export const paretoUpdate = defineUpdate<ParetoResult, [ParetoInput]>('pareto');
/** A device reports that it was started by hand: its pending request is dropped from the plan. */
export const manualStartSignal = defineSignal<[ManualStart]>('manualStart');
/** New forecasts were written: re-plan what has not started yet. */
export const forecastsChangedSignal = defineSignal<[ForecastsChanged]>('forecastsChanged');
/** A device acknowledged a command (relayed from MQTT by the worker's device-event bridge). */
export const commandAckSignal = defineSignal<[CommandAck]>('commandAck');
/** The current plan, its commands and the expected avoided emissions (g CO2). */
/** The hourly savings verification's findings for a home's finished runs (verifySavingsWorkflow → optimizeHome). */
export const runsVerifiedSignal = defineSignal<[RunVerification[]]>('runsVerified');
export const currentPlanQuery = defineQuery<CurrentPlanView>('currentPlan');

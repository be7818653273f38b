/** What other plugins (the console app) reuse: the panel component and its pure shaping. */
export { SchedulePanel, type SchedulePanelProps } from './components/SchedulePanel/SchedulePanel';
export { shapeSchedule, type ScheduleView } from './shaping/viewModel';
export type { ScheduleOptions, KioskSize } from './types';

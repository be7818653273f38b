import { PanelPlugin } from '@grafana/data';
import { DEFAULT_OPTIONS, type ScheduleOptions } from './types';
import { SchedulePanel } from './components/SchedulePanel/SchedulePanel';

export const plugin = new PanelPlugin<ScheduleOptions>(SchedulePanel).setPanelOptions((builder) =>
  builder
    .addSliderInput({
      path: 'horizonHours',
      name: 'Horizon (hours)',
      description: 'How far ahead of now the panel shows the forecast and the plan',
      defaultValue: DEFAULT_OPTIONS.horizonHours,
      settings: { min: 6, max: 48, step: 6 },
    })
    .addStringArray({
      path: 'appliances',
      name: 'Appliances',
      description: 'Only these appliances (e.g. dishwasher, washing_machine, ev); empty shows all',
      defaultValue: DEFAULT_OPTIONS.appliances,
    })
    .addRadio({
      path: 'kioskSize',
      name: 'Kiosk size',
      description: 'Text and bar size: desk, wall screen, or readable across a room',
      defaultValue: DEFAULT_OPTIONS.kioskSize,
      settings: {
        options: [
          { value: 'desk', label: 'Desk' },
          { value: 'wall', label: 'Wall' },
          { value: 'room', label: 'Across a room' },
        ],
      },
    })
);

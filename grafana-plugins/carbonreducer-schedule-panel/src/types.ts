/** Kiosk sizes: how large text and strokes are drawn (a wall screen read across a room needs `room`). */
export type KioskSize = 'desk' | 'wall' | 'room';

export interface ScheduleOptions {
  /** Hours from now the panel shows. */
  horizonHours: number;
  /** Appliances to show (empty: all). */
  appliances: string[];
  kioskSize: KioskSize;
}

export const DEFAULT_OPTIONS: ScheduleOptions = { horizonHours: 24, appliances: [], kioskSize: 'desk' };

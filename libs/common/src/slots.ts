/** A half-open time slot [fromMs, toMs), in ms since the Unix epoch (UTC): the one slot shape of every series. */
export interface Slot {
  fromMs: number;
  toMs: number;
}

/** A value over a slot; the series it belongs to says the unit (e.g. gCO2/kWh, W). */
export interface SlotValue extends Slot {
  value: number;
}

export function slotDurationMs(slot: Slot): number {
  return slot.toMs - slot.fromMs;
}

/** Whether `ms` lies in the slot (start included, end excluded). */
export function slotContains(slot: Slot, ms: number): boolean {
  return ms >= slot.fromMs && ms < slot.toMs;
}

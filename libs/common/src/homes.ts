/**
 * Ids of the simulator's virtual homes: `<prefix>-001` … (zero-padded to at least three digits). The simulator
 * publishes under them and the main job registers and requests runs for the same ids, so both take them from here.
 */
export function simulatedHomeIds(prefix: string, count: number): string[] {
  const width = Math.max(3, String(count).length);
  return Array.from({ length: count }, (_, i) => `${prefix}-${String(i + 1).padStart(width, '0')}`);
}

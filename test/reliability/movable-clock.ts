/** A clock a section moves forward (grace periods, pending timeouts) without waiting. */
import type { MovableClock } from './backend.js';

export function movableClock(): MovableClock {
  let offsetMs = 0;
  return {
    now: () => new Date(Date.now() + offsetMs),
    advance(seconds: number) {
      offsetMs += seconds * 1000;
    },
  };
}

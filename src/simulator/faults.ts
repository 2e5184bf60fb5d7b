import {
  REQUEST_FAULTS,
  RESPONSE_FAULTS,
  type FaultName,
  type FaultTarget,
  type ScriptedFault,
  type SimulatorConfig,
} from './config';
import type { Rng } from './random';

/**
 * Chooses faults: script entries first, in order (each fires once, on the first request it applies to),
 * then the configured rates, rolled on a seeded PRNG so that a run can be replayed.
 */

export type Operation = 'create' | 'retrieve' | 'cancel' | 'delete';

const REQUEST_SET: ReadonlySet<string> = new Set(REQUEST_FAULTS);
const RESPONSE_SET: ReadonlySet<string> = new Set(RESPONSE_FAULTS);

export function isRequestFault(fault: FaultName): fault is (typeof REQUEST_FAULTS)[number] {
  return REQUEST_SET.has(fault);
}

function targets(on: FaultTarget, operation: Operation): boolean {
  return on === 'any' || on === operation;
}

export interface FaultDecision {
  fault: FaultName | null;
  /** Puts a consumed script entry back (for a create that then fails validation and so was never made). */
  restore(): void;
}

export class FaultInjector {
  constructor(
    private readonly config: () => SimulatorConfig,
    private readonly rng: () => Rng,
  ) {}

  /**
   * The fault for one HTTP request to a `/v1/responses*` endpoint. Response-level faults (failed, incomplete,
   * stuckQueued) only apply to creates of background responses; script entries that do not apply wait.
   */
  decide(operation: Operation, backgroundCreate: boolean): FaultDecision {
    const faults = this.config().faults;
    const applies = (entry: ScriptedFault): boolean =>
      targets(entry.on, operation) &&
      (entry.fault === 'none' ||
        REQUEST_SET.has(entry.fault) ||
        (RESPONSE_SET.has(entry.fault) && backgroundCreate));
    const index = faults.script.findIndex(applies);
    if (index >= 0) {
      const [entry] = faults.script.splice(index, 1);
      const fault = entry && entry.fault !== 'none' ? entry.fault : null;
      return {
        fault,
        restore: () => {
          if (entry) faults.script.splice(index, 0, entry);
        },
      };
    }
    const noRestore = (): void => undefined;
    for (const fault of REQUEST_FAULTS) {
      if (this.rng().chance(faults[fault])) return { fault, restore: noRestore };
    }
    if (backgroundCreate) {
      for (const fault of RESPONSE_FAULTS) {
        if (this.rng().chance(faults[fault])) return { fault, restore: noRestore };
      }
    }
    return { fault: null, restore: noRestore };
  }
}

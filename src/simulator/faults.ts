import {
  LIFECYCLE_FAULTS,
  OUTPUT_FAULTS,
  REQUEST_FAULTS,
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

/** What a create asks for, as far as faults care. */
export interface CreateInfo {
  background: boolean;
  /** The raw JSON body, which script entries with `match` look into. */
  body: string;
}

const REQUEST_SET: ReadonlySet<string> = new Set(REQUEST_FAULTS);
const LIFECYCLE_SET: ReadonlySet<string> = new Set(LIFECYCLE_FAULTS);
const OUTPUT_SET: ReadonlySet<string> = new Set(OUTPUT_FAULTS);

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
   * The fault for one HTTP request to a `/v1/responses*` endpoint (`create` is given for creates only).
   * Lifecycle faults (failed, incomplete, stuckQueued) only apply to creates of background responses, output
   * faults (badJson, schemaViolation, emptyAnswer, refusal) to any create, and entries with `match` only to
   * creates whose body contains it; script entries that do not apply wait.
   */
  decide(operation: Operation, create?: CreateInfo): FaultDecision {
    const faults = this.config().faults;
    const isCreate = operation === 'create' && create !== undefined;
    const applies = (entry: ScriptedFault): boolean =>
      targets(entry.on, operation) &&
      (entry.match === undefined || (isCreate && create.body.includes(entry.match))) &&
      (entry.fault === 'none' ||
        REQUEST_SET.has(entry.fault) ||
        (LIFECYCLE_SET.has(entry.fault) && isCreate && create.background) ||
        (OUTPUT_SET.has(entry.fault) && isCreate));
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
    if (isCreate && create.background) {
      for (const fault of LIFECYCLE_FAULTS) {
        if (this.rng().chance(faults[fault])) return { fault, restore: noRestore };
      }
    }
    if (isCreate) {
      for (const fault of OUTPUT_FAULTS) {
        if (this.rng().chance(faults[fault])) return { fault, restore: noRestore };
      }
    }
    return { fault: null, restore: noRestore };
  }
}

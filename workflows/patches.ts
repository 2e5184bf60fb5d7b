/**
 * Patch ids (see README "Replay safety"). Each guards a change of commands; runs started before it replay
 * down the old path. A patch id is permanent for the life of its runs.
 * - budget reservations: an estimate before planning, allowances for every step and child.
 * - phase on failure: ResearchPhase ends `failed` or `cancelled`.
 * - settle children: on cancellation, wait until every child has ended before the run ends.
 */
export const BUDGET_PATCH = 'budget-reservations';
export const PHASE_PATCH = 'phase-on-failure';
export const SETTLE_PATCH = 'settle-children';

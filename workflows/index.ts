// What the worker registers as workflows. Bundled into Temporal's deterministic sandbox.
export { backgroundResponse } from './background-response';
export { deepResearch } from './deep-research';
export { researchQuestion } from './research-question';

// What the worker registers as workflows. Bundled into Temporal's deterministic sandbox.
export { backgroundResponse } from './background-response';

import { estimateTokens, limitsFor, type StepLimits } from '../budget';
import {
  capabilitiesOf,
  DEFAULT_MODEL_CAPABILITIES,
  effortFor,
  effortProblem,
  toolsProblem,
  type ModelCapabilities,
  type ToolKind,
} from '../openai/models';
import type { PriceTable } from '../pricing';
import type { BackgroundRequest, ReasoningEffort } from '../schemas/background-response';
import type { ResearchRole } from '../schemas/research';
import { WEB_SOURCE } from '../tools/config';
import type { ModelChoice, ResearchStep, StepContext, StepRequest } from './step';

/**
 * Which model, effort and limits a step's request goes out with, in one place. Pure: the driver
 * (activities/steps.ts) turns a refusal into the Temporal failure.
 */

/** What settling needs from the worker. */
export interface SettleSettings {
  /** Models used when the run does not choose one. */
  models: Record<ResearchRole, string>;
  modelCapabilities?: ModelCapabilities;
  prices: PriceTable;
  /** True when the provider is the built-in simulator: the report says so. */
  simulated: boolean;
}

/** The model a role runs with: the run's choice, else the worker's default. */
export function modelFor(
  settings: Pick<SettleSettings, 'models'>,
  role: ResearchRole,
  chosen?: string,
): string {
  return chosen ?? settings.models[role];
}

/** The setting that chose a role's model, so an error can say what to change. */
function modelSettingOf(role: ResearchRole, chosen: boolean): string {
  return chosen
    ? `models.${role} in the research input`
    : `DEEP_RESEARCH_${role.toUpperCase()}_MODEL on the worker (or models.${role} in the research input)`;
}

function toolKinds(tools: StepRequest['tools']): ToolKind[] {
  return [...new Set((tools ?? []).map((t) => t.type))];
}

/** Characters of a request's prompt, for the input-token estimate of a budgeted step. */
export function promptChars(request: Pick<StepRequest, 'instructions' | 'input' | 'tools' | 'outputSchema'>) {
  const input = typeof request.input === 'string' ? request.input : JSON.stringify(request.input);
  return (
    request.instructions.length +
    input.length +
    (request.tools ? JSON.stringify(request.tools).length : 0) +
    (request.outputSchema ? JSON.stringify(request.outputSchema.schema).length : 0)
  );
}

/** The largest request limits that keep a budgeted step inside its allowance; undefined when none fit. */
export function allowanceLimits(
  settings: Pick<SettleSettings, 'prices'>,
  model: string,
  step: Pick<ResearchStep<ModelChoice, unknown>, 'budgetKind'>,
  prompt: Pick<StepRequest, 'instructions' | 'input' | 'tools' | 'outputSchema'>,
  allowance: NonNullable<ModelChoice['allowance']>,
): StepLimits | undefined {
  const inputTokens = estimateTokens(promptChars(prompt)) + (allowance.priorTokens ?? 0);
  return limitsFor(settings.prices, model, step.budgetKind, inputTokens, allowance);
}

/** Why a step may not reach the provider; nothing is created. */
export type Refusal =
  /** The input or the model cannot work: one problem per field. */
  | { invalid: string[] }
  /** The allowance does not cover the step's smallest useful request. */
  | { overBudget: { label: string; allowance: NonNullable<ModelChoice['allowance']> } };

/** A step made ready to run, or why it does not need to (or may not) reach the provider. */
export type Prepared<O, R extends StepRequest> =
  /** What to send; the step interprets the answer with its own request and this context. */
  | { request: BackgroundRequest; asked: R; context: StepContext }
  /** The step answered without a model (e.g. a report with nothing to report). */
  | { answered: O }
  | Refusal;

/**
 * Everything before the provider is asked: the step's own check, its request, and the request settled
 * (settleRequest). What the driver sends is exactly what this returns, so tests can assert it without I/O.
 */
export function prepareStep<I extends ModelChoice, O, R extends StepRequest>(
  settings: SettleSettings,
  step: ResearchStep<I, O, R>,
  input: I,
  workflowId: string,
): Prepared<O, R> {
  const model = modelFor(settings, step.role, input.model);
  const context: StepContext = {
    models: settings.models,
    ...(settings.modelCapabilities ? { modelCapabilities: settings.modelCapabilities } : {}),
    simulated: settings.simulated,
    fits: (prompt) =>
      !input.allowance || allowanceLimits(settings, model, step, prompt, input.allowance) !== undefined,
  };
  const problems = step.check?.(input, context) ?? [];
  if (problems.length) return { invalid: problems };
  const asked = step.request(input, context);
  if ('answered' in asked) return asked;
  const settled = settleRequest(settings, step, input, model, asked, workflowId);
  return 'request' in settled ? { ...settled, asked, context } : settled;
}

/**
 * A step's request with the model and effort settled: the run's effort when it chose one (checked
 * against the model: an impossible one is refused before anything is spent), else the step's
 * preferred effort moved to the nearest one the model takes (none for a non-reasoning model). A
 * budgeted step gets limits that keep its cost inside its allowance, whatever the model does; the
 * run's own bounds apply too, the tighter of each.
 */
function settleRequest(
  settings: SettleSettings,
  step: Pick<ResearchStep<ModelChoice, unknown>, 'name' | 'role' | 'budgetKind'>,
  choice: ModelChoice,
  model: string,
  asked: StepRequest,
  workflowId: string,
): { request: BackgroundRequest } | Refusal {
  const modelSetting = modelSettingOf(step.role, choice.model !== undefined);
  const capability = capabilitiesOf(settings.modelCapabilities ?? DEFAULT_MODEL_CAPABILITIES, model);
  const tools = toolKinds(asked.tools);
  const effort = choice.reasoningEffort && effortProblem(model, capability, choice.reasoningEffort, tools);
  const unusable = toolsProblem(model, capability, tools);
  const problems = [
    ...(effort ? [`reasoningEffort: ${effort}`] : []),
    ...(unusable ? [`${modelSetting}: ${unusable}`] : []),
  ];
  if (problems.length) return { invalid: problems };
  const reasoningEffort = choice.reasoningEffort ?? effortFor(capability, asked.preferredEffort, tools);
  const label = asked.label ?? step.name;
  const searches = tools.includes('web_search');
  let limited: { maxOutputTokens?: number; maxToolCalls?: number } = {};
  if (choice.allowance) {
    const limits = allowanceLimits(settings, model, step, asked, choice.allowance);
    if (!limits) return { overBudget: { label, allowance: choice.allowance } };
    limited = {
      maxOutputTokens: limits.maxOutputTokens,
      ...(searches ? { maxToolCalls: Math.max(1, limits.maxToolCalls) } : {}),
    };
  }
  const tighter = (a: number | undefined, b: number | undefined) =>
    a === undefined ? b : b === undefined ? a : Math.min(a, b);
  const maxOutputTokens = tighter(limited.maxOutputTokens, choice.maxOutputTokens);
  const maxToolCalls = tighter(
    limited.maxToolCalls,
    choice.maxToolCalls && tools.length ? choice.maxToolCalls : undefined,
  );
  return {
    request: {
      step: label,
      instructions: asked.instructions,
      input: asked.input,
      ...(asked.previousResponseId ? { previousResponseId: asked.previousResponseId } : {}),
      ...(asked.tools?.length ? { tools: asked.tools } : {}),
      ...(asked.outputSchema ? { outputSchema: asked.outputSchema } : {}),
      model,
      modelSetting,
      // Lets a provider's dashboard and logs be matched with the Temporal run (no secrets here).
      metadata: { temporal_workflow_id: workflowId.slice(0, 512), research_role: step.role },
      ...(reasoningEffort ? { reasoningEffort } : {}),
      ...(maxOutputTokens ? { maxOutputTokens } : {}),
      ...(maxToolCalls ? { maxToolCalls } : {}),
    },
  };
}

/** What the run asks of every role, checked against the models before the first paid step. */
export interface RunModelsInput {
  models?: Partial<Record<ResearchRole, string>>;
  sources: string[];
  depth: number;
  mode?: 'standard' | 'hybrid';
}

/**
 * Every problem the run's models, effort and tools would meet at the provider, one per field, e.g.
 * `reasoningEffort: "minimal" is not supported with model "gpt-5.2"; …`. Each role is checked with the
 * tools of each of its steps: the researcher searches (web and/or private tools; both in one request,
 * or one after the other in hybrid mode) and, with depth > 0, asks for gaps without tools.
 */
export function runModelProblems(
  settings: Pick<SettleSettings, 'models' | 'modelCapabilities'>,
  run: RunModelsInput,
  reasoningEffort: ReasoningEffort | undefined,
): string[] {
  const web = run.sources.includes(WEB_SOURCE);
  const privateTools = run.sources.some((s) => s !== WEB_SOURCE);
  const searchSteps: ToolKind[][] =
    run.mode === 'hybrid'
      ? [['web_search'], ['function']]
      : [[...(web ? (['web_search'] as const) : []), ...(privateTools ? (['function'] as const) : [])]];
  const stepsOf: Record<ResearchRole, Array<{ name: string; tools: ToolKind[] }>> = {
    planner: [{ name: 'the plan', tools: [] }],
    researcher: [
      ...searchSteps.map((tools) => ({ name: 'the search', tools })),
      ...(run.depth > 0 ? [{ name: 'the follow-up (depth > 0)', tools: [] }] : []),
    ],
    writer: [{ name: 'the report', tools: [] }],
  };
  const problems = new Set<string>();
  for (const role of ['planner', 'researcher', 'writer'] as const) {
    const chosen = run.models?.[role];
    const model = modelFor(settings, role, chosen);
    const setting = chosen
      ? `models.${role}`
      : `DEEP_RESEARCH_${role.toUpperCase()}_MODEL (or models.${role})`;
    const capability = capabilitiesOf(settings.modelCapabilities ?? DEFAULT_MODEL_CAPABILITIES, model);
    for (const step of stepsOf[role]) {
      const tools = toolsProblem(model, capability, step.tools);
      if (tools) problems.add(`${setting}: ${tools.replace('this step', step.name)}`);
      const effort = reasoningEffort && effortProblem(model, capability, reasoningEffort, step.tools);
      if (effort) problems.add(`reasoningEffort: ${effort} (${setting})`);
    }
  }
  return [...problems];
}

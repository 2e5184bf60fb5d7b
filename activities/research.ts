import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { zodTextFormat } from 'openai/helpers/zod';
import { z } from 'zod';
import { clip, factsFromAnswer, mergeFinding, sourcesFromAnswer, stripCitations } from '../src/findings';
import {
  capabilitiesOf,
  DEFAULT_MODEL_CAPABILITIES,
  effortFor,
  effortProblem,
  toolsProblem,
  type ModelCapabilities,
  type ToolKind,
} from '../src/openai/models';
import { estimateTokens, limitsFor, type BudgetedStep, type StepAllowance } from '../src/budget';
import { FailureType } from '../src/policies';
import { costOfUsage, type PriceTable } from '../src/pricing';
import { gapsPrompt } from '../src/prompts/gaps';
import { planPrompt, planRepairPrompt } from '../src/prompts/plan';
import { reportPrompt } from '../src/prompts/report';
import { searchPrompt } from '../src/prompts/search';
import { checkCitations, numberSources, renderReport } from '../src/report';
import type {
  BackgroundRequest,
  BackgroundResult,
  FunctionCall,
  ReasoningEffort,
  Tool,
} from '../src/schemas/background-response';
import { SourcesConfigError, WEB_SOURCE } from '../src/tools/config';
import type { FunctionToolDefinition, SourceRegistry } from '../src/tools/registry';
import type { ToolResult } from '../src/tools/types';
import {
  gapAnalysisSchema,
  researchPlanSchema,
  type Finding,
  type GapAnalysis,
  type KeyFact,
  type NumberedSource,
  type ResearchPlan,
  type ResearchRole,
  type Source,
  type StepOutcome,
  type StoppedBy,
} from '../src/schemas/research';
import { runBackgroundResponse, type BackgroundResponseDeps } from './background-response';

/**
 * The research steps. Each is one background response (durable, resumable: see background-response.ts)
 * plus the work around it: the prompt, validating the model's output with zod, and cost. They return
 * extracted data only; what happens next is the workflow's decision.
 */

export interface ResearchDeps extends BackgroundResponseDeps {
  /** Models used when the run does not choose one: configuration, not code. */
  models: Record<ResearchRole, string>;
  prices: PriceTable;
  /** True when the provider is the built-in simulator: the report says so. */
  simulated: boolean;
  /** The private sources this worker is configured with. */
  sources: SourceRegistry;
  /** What each model accepts (src/openai/models.ts, DEEP_RESEARCH_MODELS_FILE); the built-in table when absent. */
  modelCapabilities?: ModelCapabilities;
}

interface ModelChoice {
  model?: string;
  reasoningEffort?: ReasoningEffort;
  /** Bounds on one step's spending (visible plus reasoning tokens; built-in tool calls): `npm run smoke:openai`. */
  maxOutputTokens?: number;
  maxToolCalls?: number;
  /** Set in budgeted runs: the most this step may cost. Turned into hard request limits. */
  allowance?: StepAllowance;
}

/** Characters of a request's prompt, for the input-token estimate of a budgeted step. */
function promptChars(request: Pick<BackgroundRequest, 'instructions' | 'input' | 'tools' | 'outputSchema'>) {
  const input = typeof request.input === 'string' ? request.input : JSON.stringify(request.input);
  return (
    (request.instructions?.length ?? 0) +
    input.length +
    (request.tools ? JSON.stringify(request.tools).length : 0) +
    (request.outputSchema ? JSON.stringify(request.outputSchema.schema).length : 0)
  );
}

/** A step that cannot fit its allowance: refused before anything is created. */
export function budgetExhausted(step: string, allowance: StepAllowance): ApplicationFailure {
  const left = [
    allowance.usd !== undefined ? `$${allowance.usd.toFixed(4)}` : '',
    allowance.tokens !== undefined ? `${Math.floor(allowance.tokens)} tokens` : '',
  ]
    .filter(Boolean)
    .join(' and ');
  return ApplicationFailure.nonRetryable(
    `${step}: the budget left for this step (${left}) does not cover its smallest useful request`,
    FailureType.budgetExhausted,
  );
}

function invalidInput(problems: string[]): ApplicationFailure {
  return ApplicationFailure.nonRetryable(
    `Invalid research input: ${problems.join('; ')}`,
    'InvalidResearchInput',
  );
}

/** The setting that chose a role's model, so an error can say what to change. */
function modelSettingOf(role: ResearchRole, chosen: boolean): string {
  return chosen
    ? `models.${role} in the research input`
    : `DEEP_RESEARCH_${role.toUpperCase()}_MODEL on the worker (or models.${role} in the research input)`;
}

function toolKinds(tools: BackgroundRequest['tools']): ToolKind[] {
  return [...new Set((tools ?? []).map((t) => t.type))];
}

/**
 * One step's request, with the model and effort settled: the run's effort when it chose one (checked
 * against the model: an impossible one is InvalidResearchInput before anything is spent), else the
 * step's preferred effort moved to the nearest one the model takes (none for a non-reasoning model).
 */
async function runStep(
  deps: ResearchDeps,
  role: ResearchRole,
  choice: ModelChoice,
  request: Omit<BackgroundRequest, 'model' | 'modelSetting' | 'reasoningEffort'> & {
    preferredEffort: ReasoningEffort;
  },
  kind?: BudgetedStep,
): Promise<{ answer: BackgroundResult; step: StepOutcome }> {
  const model = choice.model ?? deps.models[role];
  const modelSetting = modelSettingOf(role, choice.model !== undefined);
  const capability = capabilitiesOf(deps.modelCapabilities ?? DEFAULT_MODEL_CAPABILITIES, model);
  const tools = toolKinds(request.tools);
  const problems = [
    choice.reasoningEffort ? effortProblem(model, capability, choice.reasoningEffort, tools) : undefined,
    toolsProblem(model, capability, tools),
  ].flatMap((p) =>
    p ? [`${choice.reasoningEffort && p.includes('effort') ? 'reasoningEffort' : modelSetting}: ${p}`] : [],
  );
  if (problems.length) throw invalidInput(problems);
  const reasoningEffort = choice.reasoningEffort ?? effortFor(capability, request.preferredEffort, tools);
  const { preferredEffort: _preferred, ...rest } = request;
  // A budgeted step gets limits that keep its cost inside its allowance, whatever the model does.
  let limited: Partial<BackgroundRequest> = {};
  if (choice.allowance && kind) {
    const inputTokens = estimateTokens(promptChars(rest)) + (choice.allowance.priorTokens ?? 0);
    const limits = limitsFor(deps.prices, model, kind, inputTokens, choice.allowance);
    if (!limits) throw budgetExhausted(rest.step, choice.allowance);
    const searches = rest.tools?.some((t) => t.type === 'web_search') ?? false;
    limited = {
      maxOutputTokens: limits.maxOutputTokens,
      ...(searches ? { maxToolCalls: Math.max(1, limits.maxToolCalls) } : {}),
    };
  }
  const workflow = Context.current().info.workflowExecution;
  const tighter = (a: number | undefined, b: number | undefined) =>
    a === undefined ? b : b === undefined ? a : Math.min(a, b);
  const maxOutputTokens = tighter(limited.maxOutputTokens, choice.maxOutputTokens);
  const maxToolCalls = tighter(
    limited.maxToolCalls,
    choice.maxToolCalls && rest.tools?.length ? choice.maxToolCalls : undefined,
  );
  const answer = await runBackgroundResponse(deps, {
    ...rest,
    model,
    modelSetting,
    // Lets a provider's dashboard and logs be matched with the Temporal run (no secrets here).
    metadata: { temporal_workflow_id: (workflow?.workflowId ?? '').slice(0, 512), research_role: role },
    ...(reasoningEffort ? { reasoningEffort } : {}),
    ...(maxOutputTokens ? { maxOutputTokens } : {}),
    ...(maxToolCalls ? { maxToolCalls } : {}),
  });
  const cost = costOfUsage(deps.prices, model, answer.usage);
  return {
    answer,
    step: {
      responseId: answer.responseId,
      model,
      usage: answer.usage,
      costUsd: cost.usd,
      priced: cost.priced,
    },
  };
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(answer)'}: ${i.message}`)
    .join('; ');
}

/** Parses structured output with its zod schema; a reason instead of a value when it does not fit. */
function parseStructured<T>(schema: z.ZodType<T>, answer: BackgroundResult): { value?: T; invalid?: string } {
  if (answer.status === 'incomplete')
    return { invalid: `the answer was cut off (${answer.incompleteReason})` };
  if (answer.parseError) return { invalid: answer.parseError };
  const parsed = schema.safeParse(answer.parsed);
  return parsed.success ? { value: parsed.data } : { invalid: describeIssues(parsed.error) };
}

/**
 * A strict structured-output format built by openai-node's own converter, which throws for what strict
 * mode refuses (optional fields without nullable, allOf that cannot be merged, a non-object root) and
 * turns discriminated unions into anyOf. Built once when this module loads: an unsupported schema stops
 * the worker at start instead of becoming a 400 in production.
 */
export function structuredFormat(
  name: string,
  schema: z.ZodType,
): { name: string; schema: Record<string, unknown> } {
  const format = zodTextFormat(schema, name);
  return { name: format.name, schema: format.schema };
}

export const PLAN_FORMAT = structuredFormat('research_plan', researchPlanSchema);
export const GAPS_FORMAT = structuredFormat('research_gaps', gapAnalysisSchema);

// ---- plan ------------------------------------------------------------------------------------------

/** What the run asks of every role, checked against the models before the first paid step. */
export interface RunModelsInput {
  models?: Partial<Record<ResearchRole, string>>;
  sources: string[];
  depth: number;
  mode?: 'standard' | 'hybrid';
}

export interface PlanInput extends ModelChoice {
  question: string;
  maxQuestions: number;
  /** Set by the workflow on the first plan: every role's model and effort are checked before it is paid for. */
  run?: RunModelsInput;
  /** Set when the previous plan did not validate: the planner is asked to repair it. */
  repair?: { responseId: string; problem: string };
}

export interface PlanOutput {
  plan?: ResearchPlan;
  invalid?: string;
  step: StepOutcome;
}

/**
 * Every problem the run's models, effort and tools would meet at the provider, one per field, e.g.
 * `reasoningEffort: "minimal" is not supported with model "gpt-5.2"; …`. Each role is checked with the
 * tools of each of its steps: the researcher searches (web and/or private tools; both in one request,
 * or one after the other in hybrid mode) and, with depth > 0, asks for gaps without tools.
 */
export function runModelProblems(
  deps: Pick<ResearchDeps, 'models' | 'modelCapabilities'>,
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
    const model = chosen ?? deps.models[role];
    const setting = chosen
      ? `models.${role}`
      : `DEEP_RESEARCH_${role.toUpperCase()}_MODEL (or models.${role})`;
    const capability = capabilitiesOf(deps.modelCapabilities ?? DEFAULT_MODEL_CAPABILITIES, model);
    for (const step of stepsOf[role]) {
      const tools = toolsProblem(model, capability, step.tools);
      if (tools) problems.add(`${setting}: ${tools.replace('this step', step.name)}`);
      const effort = reasoningEffort && effortProblem(model, capability, reasoningEffort, step.tools);
      if (effort) problems.add(`reasoningEffort: ${effort} (${setting})`);
    }
  }
  return [...problems];
}

export async function planResearch(deps: ResearchDeps, input: PlanInput): Promise<PlanOutput> {
  if (input.run) {
    const problems = runModelProblems(deps, input.run, input.reasoningEffort);
    if (problems.length) throw invalidInput(problems);
  }
  const prompt = planPrompt(input.question, input.maxQuestions);
  const { answer, step } = await runStep(
    deps,
    'planner',
    input,
    {
      step: input.repair ? 'plan (repair)' : 'plan',
      instructions: prompt.instructions,
      input: input.repair ? planRepairPrompt(input.repair.problem, input.maxQuestions) : prompt.input,
      ...(input.repair ? { previousResponseId: input.repair.responseId } : {}),
      preferredEffort: 'high',
      outputSchema: PLAN_FORMAT,
    },
    'plan',
  );
  const { value, invalid } = parseStructured(researchPlanSchema, answer);
  if (!value) return { invalid: invalid ?? 'no plan', step };
  // Keep the plan within what the run asked for, without duplicates.
  const seen = new Set<string>();
  const questions = value.questions.filter((q) => {
    const key = q.question.trim().toLowerCase();
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
  return { plan: { questions: questions.slice(0, input.maxQuestions) }, step };
}

// ---- sources and tools -----------------------------------------------------------------------------

export interface PrepareSourcesOutput {
  web: boolean;
  tools: FunctionToolDefinition[];
}

/** Checks a run's source names against the worker's configuration and lists their tools. */
export async function prepareSources(
  deps: ResearchDeps,
  input: { sources: string[] },
): Promise<PrepareSourcesOutput> {
  const problem = deps.sources.check(input.sources);
  if (problem)
    throw ApplicationFailure.nonRetryable(
      `Invalid research input: sources: ${problem}`,
      'InvalidResearchInput',
    );
  try {
    return { web: input.sources.includes(WEB_SOURCE), tools: await deps.sources.definitions(input.sources) };
  } catch (error) {
    if (error instanceof SourcesConfigError)
      throw ApplicationFailure.nonRetryable(error.message, 'SourceConfigError');
    throw error;
  }
}

export interface ToolCallInput {
  name: string;
  arguments: string;
  /**
   * The function names this run was offered, fixed when it started (prepareSources). A call naming any
   * other tool is refused, not run. Optional: calls recorded before this field existed lack it, and are
   * checked against every configured source as before.
   */
  allowedTools?: string[];
}

/**
 * One function call the model asked for, run against its source. The output goes back to the model; a
 * call outside the run's tools comes back `refused` with an error output, and runs nothing.
 */
export async function runTool(deps: ResearchDeps, call: ToolCallInput): Promise<ToolResult> {
  try {
    return await deps.sources.run(
      call.name,
      call.arguments,
      Context.current().cancellationSignal,
      call.allowedTools,
    );
  } catch (error) {
    if (error instanceof SourcesConfigError)
      throw ApplicationFailure.nonRetryable(error.message, 'SourceConfigError');
    throw error;
  }
}

// ---- search ----------------------------------------------------------------------------------------

export interface SearchInput extends ModelChoice {
  overallQuestion: string;
  question: string;
  queries: string[];
  round: number;
  knownSoFar?: string;
  searchContextSize?: 'low' | 'medium' | 'high';
  allowedDomains?: string[];
  /** Hosted web search on or off (a run without "web" never searches the web). Default on. */
  web?: boolean;
  /** Private sources' tools the model may call. */
  functionTools?: FunctionToolDefinition[];
  /** `private-analysis`: check what the web said against the private sources (hybrid mode). */
  purpose?: 'research' | 'private-analysis';
  /** Continuing after function calls: the response they came from and their outputs. */
  continuation?: { previousResponseId: string; outputs: Array<{ callId: string; output: string }> };
}

export interface SearchOutput {
  summary: string;
  keyFacts: KeyFact[];
  sources: Source[];
  incomplete?: string;
  /**
   * Calls the model wants answered before it can finish; run each with runTool and continue. Optional:
   * results recorded before private sources existed lack it.
   */
  functionCalls?: Array<FunctionCall & { summary: string }>;
  step: StepOutcome;
}

function callSummary(call: FunctionCall, tools: FunctionToolDefinition[]): string {
  const tool = tools.find((t) => t.name === call.name);
  let main = '';
  try {
    const args = JSON.parse(call.arguments) as Record<string, unknown>;
    const value = tool?.summaryArgument ? args[tool.summaryArgument] : Object.values(args)[0];
    if (typeof value === 'string' || typeof value === 'number') main = ` ${String(value)}`;
  } catch {
    // The tool will tell the model its arguments are not JSON; the summary just names the tool.
  }
  return `tool: ${call.name}${main}`.slice(0, 200);
}

export async function searchWeb(deps: ResearchDeps, input: SearchInput): Promise<SearchOutput> {
  const functionTools = input.functionTools ?? [];
  const prompt = searchPrompt({ ...input, privateSources: [...new Set(functionTools.map((t) => t.source))] });
  const tools: Tool[] = [
    ...(input.web === false
      ? []
      : [
          {
            type: 'web_search' as const,
            ...(input.searchContextSize ? { searchContextSize: input.searchContextSize } : {}),
            ...(input.allowedDomains?.length ? { allowedDomains: input.allowedDomains } : {}),
          },
        ]),
    ...functionTools.map((t) => ({
      type: 'function' as const,
      name: t.name,
      description: t.description,
      parameters: t.parameters,
      // Tool schemas come from zod and MCP servers, with optional fields: not strict-mode schemas.
      strict: false,
    })),
  ];
  const { answer, step } = await runStep(
    deps,
    'researcher',
    input,
    {
      step: input.continuation ? 'tool answer' : `search: ${input.queries[0] ?? input.question}`,
      instructions: prompt.instructions,
      input: input.continuation
        ? input.continuation.outputs.map((o) => ({
            type: 'function_call_output' as const,
            callId: o.callId,
            output: o.output,
          }))
        : prompt.input,
      ...(input.continuation ? { previousResponseId: input.continuation.previousResponseId } : {}),
      ...(tools.length ? { tools } : {}),
      preferredEffort: 'medium',
    },
    'search',
  );
  const round = {
    summary: stripCitations(answer) || (answer.refusal ? `No answer: ${answer.refusal}` : ''),
    keyFacts: factsFromAnswer(answer),
    sources: sourcesFromAnswer(answer),
  };
  // Bounded like a merged finding, so one verbose round cannot bloat the history.
  const bounded = mergeFinding({ summary: '', keyFacts: [], sources: [] }, round);
  return {
    ...bounded,
    ...(answer.status === 'incomplete' ? { incomplete: answer.incompleteReason ?? 'incomplete' } : {}),
    functionCalls: answer.functionCalls.map((c) => ({ ...c, summary: callSummary(c, functionTools) })),
    step,
  };
}

// ---- follow-up -------------------------------------------------------------------------------------

export interface GapsInput extends ModelChoice {
  overallQuestion: string;
  question: string;
  summary: string;
  keyFacts: KeyFact[];
  roundsLeft: number;
}

export interface GapsOutput {
  analysis?: GapAnalysis;
  invalid?: string;
  step: StepOutcome;
}

export async function findGaps(deps: ResearchDeps, input: GapsInput): Promise<GapsOutput> {
  const prompt = gapsPrompt({ ...input, facts: input.keyFacts.map((f) => f.text) });
  const { answer, step } = await runStep(
    deps,
    'researcher',
    input,
    {
      step: 'follow-up',
      instructions: prompt.instructions,
      input: prompt.input,
      preferredEffort: 'low',
      outputSchema: GAPS_FORMAT,
    },
    'followUp',
  );
  const { value, invalid } = parseStructured(gapAnalysisSchema, answer);
  return value ? { analysis: value, step } : { invalid: invalid ?? 'no analysis', step };
}

// ---- synthesis -------------------------------------------------------------------------------------

/** Findings are cut to fit this many characters (~12k tokens) so the writer's prompt always fits. */
export const MAX_FINDINGS_CHARS = 48_000;

export interface ReportInput extends ModelChoice {
  question: string;
  findings: Finding[];
  stoppedBy?: StoppedBy;
  /** Budgeted runs: findings are cut to this many characters per question (what the reserve assumed). */
  findingChars?: number;
}

export interface ReportOutput {
  markdown: string;
  sources: NumberedSource[];
  invalidCitationsRemoved: number;
  simulated: boolean;
  step?: StepOutcome;
}

/** Findings as prompt text, each fact carrying its global [n] markers, cut to a fair share of the budget. */
function boundFindings(findings: Finding[], sources: NumberedSource[], maxChars = MAX_FINDINGS_CHARS) {
  const numberOf = new Map(sources.map((s) => [s.url, s.n]));
  const share = Math.floor(maxChars / Math.max(1, findings.length));
  return findings.map((f) => {
    let budget = share - f.question.length;
    const summary = clip(f.summary, Math.max(200, Math.floor(budget / 2)));
    budget -= summary.length;
    const facts: string[] = [];
    for (const fact of f.keyFacts) {
      const markers = fact.urls.flatMap((u) => (numberOf.has(u) ? [`[${numberOf.get(u)}]`] : [])).join('');
      const line = `${fact.text} ${markers}`.trim();
      if (line.length > budget) break;
      budget -= line.length;
      facts.push(line);
    }
    return { question: f.question, summary, facts };
  });
}

export async function writeReport(deps: ResearchDeps, input: ReportInput): Promise<ReportOutput> {
  const usable = input.findings.filter((f) => f.status === 'completed' || f.summary);
  const failed = input.findings.filter((f) => f.status === 'failed').map((f) => f.question);
  const sources = numberSources(usable.map((f) => f.sources));
  let findingsChars = input.findingChars
    ? Math.min(MAX_FINDINGS_CHARS, input.findingChars * usable.length)
    : MAX_FINDINGS_CHARS;
  let findingTexts = boundFindings(usable, sources, findingsChars);
  const promptOf = (texts: typeof findingTexts) =>
    reportPrompt({
      question: input.question,
      findings: texts,
      sources,
      stoppedEarly: input.stoppedBy !== undefined,
    });
  // A budgeted report that does not fit its allowance gets shorter findings, down to a floor.
  const writerModel = input.model ?? deps.models.writer;
  const fitsAllowance = (texts: typeof findingTexts) =>
    !input.allowance ||
    limitsFor(
      deps.prices,
      writerModel,
      'report',
      estimateTokens(promptChars(promptOf(texts))),
      input.allowance,
    ) !== undefined;
  while (usable.length && !fitsAllowance(findingTexts) && findingsChars > 200 * usable.length) {
    findingsChars = Math.floor(findingsChars / 2);
    findingTexts = boundFindings(usable, sources, findingsChars);
  }
  if (!usable.length || !fitsAllowance(findingTexts)) {
    // Nothing was found (stopped before any question finished), or the budget left cannot pay a writer:
    // say so, with the findings as researched, without paying a writer.
    const body = usable.length
      ? [
          `# ${input.question}`,
          '_The budget left could not pay for a written report; these are the findings as researched._',
          ...findingTexts.map(
            (f) => `## ${f.question}\n\n${f.summary}\n\n${f.facts.map((x) => `- ${x}`).join('\n')}`,
          ),
        ].join('\n\n')
      : `# ${input.question}\n\nNo research question was completed, so there are no findings to report.`;
    const checked = checkCitations(body, sources);
    return {
      markdown: renderReport({
        question: input.question,
        body: checked.markdown,
        cited: checked.cited,
        invalidRemoved: 0,
        simulated: deps.simulated,
        ...(input.stoppedBy ? { stoppedBy: input.stoppedBy } : {}),
        ...(failed.length ? { failedQuestions: failed } : {}),
      }),
      sources: checked.cited,
      invalidCitationsRemoved: 0,
      simulated: deps.simulated,
    };
  }
  const prompt = promptOf(findingTexts);
  const { answer, step } = await runStep(
    deps,
    'writer',
    input,
    {
      step: 'synthesize',
      instructions: prompt.instructions,
      input: prompt.input,
      preferredEffort: 'high',
    },
    'report',
  );
  // A refusal or an empty answer still yields a report: the findings themselves, cited.
  const body = answer.outputText.trim()
    ? answer.outputText
    : [
        `# ${input.question}`,
        `_The writer model returned no report${answer.refusal ? ` (refusal: ${answer.refusal})` : ''}; ` +
          'these are the findings as researched._',
        ...findingTexts.map(
          (f) => `## ${f.question}\n\n${f.summary}\n\n${f.facts.map((x) => `- ${x}`).join('\n')}`,
        ),
      ].join('\n\n');
  const checked = checkCitations(body, sources);
  const markdown = renderReport({
    question: input.question,
    body: checked.markdown,
    cited: checked.cited,
    invalidRemoved: checked.invalidRemoved,
    simulated: deps.simulated,
    ...(input.stoppedBy ? { stoppedBy: input.stoppedBy } : {}),
    ...(failed.length ? { failedQuestions: failed } : {}),
  });
  return {
    markdown,
    sources: checked.cited,
    invalidCitationsRemoved: checked.invalidRemoved,
    simulated: deps.simulated,
    step,
  };
}

import type { Allowance } from '../budget';
import type { BackgroundResponsePolicy } from '../policies';
import type { FunctionToolDefinition } from '../tools/registry';
import type { ReasoningEffort } from './background-response';
import type {
  PlannedQuestion,
  QuestionStatus,
  ResearchPhase,
  ResearchSettings,
  StepOutcome,
  StoppedBy,
} from './research';

/**
 * Every shape that crosses a Temporal boundary: workflow inputs and results, the child's input, the
 * activities' inputs and outputs, and the payloads of signals, updates and queries.
 *
 * Changing one of these shapes is a replay concern. Workflow histories hold them (as inputs, results
 * and message payloads), and runs in flight replay those histories through the current code. Change a
 * shape only in ways old histories still accept (a new optional field), put any change of commands
 * behind `patched()`, and re-record the histories as README "Replay safety" describes.
 *
 * The steps' inputs and outputs are defined next to their steps (src/steps/) and re-exported here; the
 * research shapes with zod schemas stay in research.ts and background-response.ts, re-exported here too.
 */

// ---- deepResearch: input, result, the `progress` query ----
export type { ResearchInput, ResearchSettings, ResearchResult, Progress, Finding } from './research';
/** deepResearch's second argument (and backgroundResponse's): tighter timeouts and retries for the run. */
export type { BackgroundResponsePolicy } from '../policies';

// ---- backgroundResponse: input and result ----
export type { BackgroundRequest, BackgroundResult } from './background-response';

// ---- researchQuestion (the child workflow): input; its result is a Finding ----
export interface ResearchQuestionInput {
  n: number;
  overallQuestion: string;
  planned: PlannedQuestion;
  depth: number;
  models?: ResearchSettings['models'];
  reasoningEffort?: ReasoningEffort;
  searchContextSize?: ResearchSettings['searchContextSize'];
  allowedDomains?: string[];
  /** The parent's workflow id: progress and cost go there after every step. */
  reportTo?: string;
  policy?: Partial<BackgroundResponsePolicy>;
  /** Hosted web search on (default) or off. */
  web?: boolean;
  /** Tools of the private sources this run may use. */
  functionTools?: FunctionToolDefinition[];
  /** hybrid: research on the web, then one round that checks the finding against the private sources. */
  mode?: ResearchSettings['mode'];
  /**
   * Budgeted runs: the slice of the budget this question may spend (the parent holds it for us), and the
   * least a follow-up round and a search need. A step is started only if its least fits what is left.
   */
  allowance?: Allowance;
  roundMin?: { usd: number; tokens: number };
  searchMin?: { usd: number; tokens: number };
}

// ---- signals and updates ----
/** finishEarly's answer: whether research stops now, and the phase the run is in. */
export interface FinishEarlyResult {
  accepted: boolean;
  phase: ResearchPhase;
}

/** Child -> parent (questionUpdate): a question's state after each step, with what the step cost. */
export interface QuestionUpdate {
  n: number;
  status: QuestionStatus;
  round: number;
  sources: number;
  step?: StepOutcome;
}

/** Parent -> child (stopResearch): finish the current step, start no new one. */
export interface StopResearch {
  reason: StoppedBy;
}

// ---- activities: the research steps (src/steps/) ----
export type { PlanInput, PlanOutput } from '../steps/plan';
export type { SearchInput, SearchOutput } from '../steps/search';
export type { GapsInput, GapsOutput } from '../steps/gaps';
export type { ReportInput, ReportOutput } from '../steps/report';

// ---- activities: sources, tools, budget ----
export interface PrepareSourcesOutput {
  web: boolean;
  tools: FunctionToolDefinition[];
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
/** runTool's output. */
export type { ToolResult } from '../tools/types';

export interface EstimateBudgetInput {
  question: string;
  maxQuestions: number;
  depth: number;
  models?: ResearchSettings['models'];
}
/** estimateBudget's output. */
export type { BudgetEstimates } from '../budget';

import { InvalidArgumentError, type Command } from 'commander';
import type { ResearchInput } from '../schemas/research';

/** The options `run` and `start` share, and the research input they make. Validation is the schema's. */

export interface ResearchOptions {
  input?: string;
  questions?: number;
  depth?: number;
  maxCost?: number;
  maxTokens?: number;
  deadlineMinutes?: number;
  plannerModel?: string;
  researcherModel?: string;
  writerModel?: string;
  reasoningEffort?: string;
  searchContextSize?: string;
  allowedDomain?: string[];
  concurrency?: number;
  sources?: string[];
  mode?: string;
}

function number(flag: string) {
  return (value: string): number => {
    const n = Number(value);
    if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`${flag} takes a number`);
    return n;
  };
}

export function addResearchOptions(command: Command): Command {
  return command
    .option(
      '--input <json>',
      'the whole research input as JSON, as `temporal workflow start --input` takes it',
    )
    .option('--questions <n>', 'research questions to plan, 1-12 (default 4)', number('--questions'))
    .option('--depth <d>', 'follow-up rounds per question, 0-3 (default 1)', number('--depth'))
    .option(
      '--max-cost <usd>',
      'stop researching before this cost and write the report',
      number('--max-cost'),
    )
    .option('--max-tokens <n>', 'stop researching before this many tokens', number('--max-tokens'))
    .option(
      '--deadline-minutes <m>',
      'stop researching after this long and write the report',
      number('--deadline-minutes'),
    )
    .option('--planner-model <id>', 'model that plans (default: DEEP_RESEARCH_PLANNER_MODEL on the worker)')
    .option('--researcher-model <id>', 'model that searches and follows up')
    .option('--writer-model <id>', 'model that writes the report')
    .option('--reasoning-effort <effort>', 'none | minimal | low | medium | high | xhigh')
    .option('--search-context-size <size>', 'low | medium | high')
    .option('--allowed-domain <domain...>', 'search only these domains (repeatable)')
    .option('--concurrency <n>', 'questions researched at once, 1-12 (default 4)', number('--concurrency'))
    .option(
      '--sources <names>',
      'where to look, comma-separated: web and/or private sources from the sources file, e.g. web,docs:example (default web)',
      (value: string, previous: string[] = []) => [...previous, ...value.split(',').map((s) => s.trim())],
    )
    .option(
      '--mode <mode>',
      'standard, or hybrid: the web first, then each finding checked against private sources',
    );
}

function parseJsonInput(json: string): Record<string, unknown> {
  let value: unknown;
  try {
    value = JSON.parse(json);
  } catch (error) {
    throw new InvalidArgumentError(`--input is not valid JSON: ${(error as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidArgumentError('--input must be a JSON object such as {"question": "…"}');
  }
  return value as Record<string, unknown>;
}

/** `--input` JSON first, then the question argument and flags over it. */
export function researchInputFrom(question: string | undefined, o: ResearchOptions): ResearchInput {
  const base = o.input ? parseJsonInput(o.input) : {};
  if (question === undefined && base.question === undefined) {
    throw new InvalidArgumentError('question is required: give it as an argument or in --input');
  }
  const models = {
    ...(o.plannerModel ? { planner: o.plannerModel } : {}),
    ...(o.researcherModel ? { researcher: o.researcherModel } : {}),
    ...(o.writerModel ? { writer: o.writerModel } : {}),
  };
  const budget = {
    ...(o.maxCost !== undefined ? { maxCostUsd: o.maxCost } : {}),
    ...(o.maxTokens !== undefined ? { maxTokens: o.maxTokens } : {}),
    ...(o.deadlineMinutes !== undefined ? { deadlineMinutes: o.deadlineMinutes } : {}),
  };
  // Cast: the values are checked by the schema (validateResearchInput), which names the field on error.
  return {
    ...base,
    ...(question !== undefined ? { question } : {}),
    ...(o.questions !== undefined ? { maxQuestions: o.questions } : {}),
    ...(o.depth !== undefined ? { depth: o.depth } : {}),
    ...(Object.keys(models).length ? { models: { ...(base.models as object), ...models } } : {}),
    ...(Object.keys(budget).length ? { budget: { ...(base.budget as object), ...budget } } : {}),
    ...(o.reasoningEffort ? { reasoningEffort: o.reasoningEffort } : {}),
    ...(o.searchContextSize ? { searchContextSize: o.searchContextSize } : {}),
    ...(o.allowedDomain?.length ? { allowedDomains: o.allowedDomain } : {}),
    ...(o.concurrency !== undefined ? { concurrency: o.concurrency } : {}),
    ...(o.sources?.length ? { sources: o.sources.filter(Boolean) } : {}),
    ...(o.mode ? { mode: o.mode } : {}),
  } as ResearchInput;
}

import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';

/**
 * Search attributes the project sets on research runs, so the Web UI and `temporal workflow list --query`
 * can filter by them. The dev server registers them at start; a self-hosted server needs
 * `temporal operator search-attribute create` for each (README, "Deploy").
 * Pure module: safe to import from workflow code.
 */
export const ResearchPhase = defineSearchAttributeKey('ResearchPhase', SearchAttributeType.KEYWORD);
export const ResearchQuestion = defineSearchAttributeKey('ResearchQuestion', SearchAttributeType.TEXT);

/** Name and Temporal CLI type of every attribute, as `temporal server start-dev --search-attribute` wants them. */
export const searchAttributeDefinitions: ReadonlyArray<{ name: string; cliType: 'Keyword' | 'Text' }> = [
  { name: ResearchPhase.name, cliType: 'Keyword' },
  { name: ResearchQuestion.name, cliType: 'Text' },
];

import { randomBytes } from 'node:crypto';

/** Readable workflow ids: `research-<slug of the question>-<short random id>`. */
export function researchWorkflowId(question: string): string {
  const slug = question
    .toLowerCase()
    .normalize('NFKD')
    .replace(/[^a-z0-9\s-]/g, '')
    .split(/[\s-]+/)
    .filter(Boolean)
    .slice(0, 6)
    .join('-')
    .slice(0, 48)
    .replace(/-+$/, '');
  return `research-${slug || 'question'}-${randomBytes(4).toString('hex')}`;
}

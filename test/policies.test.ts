import { readFileSync } from 'node:fs';
import path from 'node:path';
import { failure, providerFailure } from '../activities/failures';
import { PROVIDER_ERROR_KINDS, ProviderError } from '../src/openai/errors';
import {
  backgroundResponseActivityOptions,
  FAILURE_OF_PROVIDER_ERROR,
  FAILURES,
  toolActivityOptions,
  type FailureName,
} from '../src/policies';

/**
 * The one failure table (src/policies.ts FAILURES): what the retry policies never retry, how activities
 * raise each failure, what each provider error kind becomes, and README's copy of it.
 */

const RAISED_BY = { step: 'research step', tool: 'tool call', workflow: 'workflow' } as const;

test('the retry policies never retry exactly the failures the table marks not retried, in the recorded order', () => {
  // Recorded in every history's ActivityTaskScheduled events: the order is kept.
  expect(backgroundResponseActivityOptions().retry?.nonRetryableErrorTypes).toEqual([
    'OpenAIAuthenticationError',
    'OpenAIPermissionDenied',
    'OpenAIModelNotFound',
    'OpenAIInvalidRequest',
    'OpenAIQuotaExceeded',
    'ResponseCancelledElsewhere',
    'InvalidActivityInput',
    'ResponseFailedPermanently',
    'BudgetExhausted',
  ]);
  expect(toolActivityOptions().retry?.nonRetryableErrorTypes).toEqual(['SourceConfigError']);
});

test.each(Object.keys(FAILURES) as FailureName[])('%s is raised as the table says', (name) => {
  const raised = failure(name, 'why');
  expect(raised.type).toBe(FAILURES[name].type);
  expect(raised.nonRetryable).toBe(!FAILURES[name].retryable);
  expect(raised.message).toBe('why');
});

test.each([...PROVIDER_ERROR_KINDS])(
  'provider error %s becomes a research step failure, with the wait the provider asked for',
  (kind) => {
    const raised = providerFailure(new ProviderError(kind, 'said so', { retryAfterMs: 1234 }), {
      step: 'plan',
      model: 'gpt-x',
      modelSetting: 'models.planner',
      baseURL: 'http://api/v1',
    });
    const rule = FAILURES[FAILURE_OF_PROVIDER_ERROR[kind]];
    expect(rule.raisedBy).toBe('step');
    expect(raised.type).toBe(rule.type);
    expect(raised.nonRetryable).toBe(!rule.retryable);
    expect(raised.nextRetryDelay).toBe(1234);
    expect(raised.message).toMatch(/^plan[ :]/);
  },
);

test("README's failure table is the table", () => {
  const readme = readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');
  const section = readme.slice(readme.indexOf('\n### Timeouts and retry policies\n'));
  const rows = section
    .slice(0, section.indexOf('\n## '))
    .split('\n')
    .filter((line) => /^\| `/.test(line))
    .map((line) =>
      line
        .split('|')
        .slice(1, -1)
        .map((cell) => cell.trim()),
    );
  expect(rows).toEqual(
    Object.values(FAILURES).map((rule) => [
      `\`${rule.type}\``,
      RAISED_BY[rule.raisedBy],
      rule.retryable ? 'yes' : 'no',
      rule.when,
    ]),
  );
});

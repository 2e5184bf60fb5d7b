import { randomUUID } from 'node:crypto';
import type { ResearchInput, ResearchResult } from '../../src/schemas/research';
import type { ReceivedCreate } from '../../src/simulator';
import { describeWithReference, validateAgainst } from '../helpers/openapi';
import { useResearchWorker } from '../helpers/temporal';
import { deepResearch } from '../../workflows';

/**
 * Every request body the project actually builds, as it reaches the provider during real runs (a worker on
 * the dev server, the simulator recording each `POST /v1/responses` body it receives), validated against
 * the spec's `CreateResponse`: each step, the plan's repair round, private-source tool rounds, hybrid mode,
 * and a run with every option that reaches a request (allowed domains, search context size, an explicit
 * reasoning effort, a budget's max_output_tokens and max_tool_calls).
 * The simulator must also have accepted each one: what it refuses, the real API refuses.
 */

describeWithReference('the requests the project sends, against the OpenAPI spec', () => {
  const ctx = useResearchWorker({ latencyMs: 60, jitter: 0.2 });
  const received: { run: string; create: ReceivedCreate }[] = [];

  async function research(run: string, input: ResearchInput): Promise<ResearchResult> {
    ctx.sim.reset();
    const result = await ctx.client.workflow.execute(deepResearch, {
      taskQueue: ctx.taskQueue,
      workflowId: `conformance-${run}-${randomUUID()}`,
      args: [input],
    });
    for (const create of ctx.sim.receivedCreates()) received.push({ run, create });
    return result;
  }

  test('a standard research: plan, searches, follow-ups, report', async () => {
    const result = await research('standard', {
      question: 'How do Raft and Paxos differ in leader election?',
      maxQuestions: 2,
      depth: 1,
    });
    expect(result.questions.every((q) => q.status === 'completed')).toBe(true);
  });

  test('a plan that breaks its schema is repaired through previous_response_id', async () => {
    ctx.sim.reset();
    ctx.sim.configure({
      faults: { script: [{ fault: 'schemaViolation', on: 'create', match: '"research_plan"' }] },
    });
    const result = await ctx.client.workflow.execute(deepResearch, {
      taskQueue: ctx.taskQueue,
      workflowId: `conformance-repair-${randomUUID()}`,
      args: [{ question: 'What limits the range of electric aircraft?', maxQuestions: 2, depth: 0 }],
    });
    const creates = ctx.sim.receivedCreates();
    for (const create of creates) received.push({ run: 'plan repair', create });
    expect(result.questions.length).toBe(2);
    expect(creates.some((c) => JSON.stringify(c.body).includes('"previous_response_id":"resp_'))).toBe(true);
  });

  test('private documents: function-call rounds answered through previous_response_id', async () => {
    const result = await research('documents', {
      question: 'What is our parental leave policy?',
      maxQuestions: 2,
      depth: 1,
      sources: ['docs:example'],
    });
    expect(result.sources.some((s) => s.kind === 'document')).toBe(true);
  });

  test('a private database through its tools', async () => {
    await research('database', {
      question: 'Which product line grew fastest in 2025?',
      maxQuestions: 1,
      depth: 1,
      sources: ['db:example'],
    });
  });

  test('hybrid: the web first, then the private sources', async () => {
    const result = await research('hybrid', {
      question: 'How does our leave policy compare with the law?',
      maxQuestions: 2,
      depth: 1,
      sources: ['web', 'docs:example'],
      mode: 'hybrid',
    });
    expect(result.questions.every((q) => q.status === 'completed')).toBe(true);
  });

  test('every option a run can set: allowed domains, search context size, an explicit effort, a budget', async () => {
    const result = await research('options', {
      question: 'How do Raft and Paxos differ in leader election?',
      maxQuestions: 2,
      depth: 1,
      reasoningEffort: 'low',
      searchContextSize: 'high',
      allowedDomains: ['raft.github.io', 'docs.temporal.io'],
      budget: { maxCostUsd: 5 },
    });
    expect(result.questions.length).toBeGreaterThan(0);
  });

  test('every body received validates against CreateResponse and was accepted', () => {
    const bodies = received.map(({ create }) => JSON.stringify(create.body));
    // The runs covered what they are meant to: structured output, search, tool rounds, chaining.
    expect(bodies.some((b) => b.includes('"json_schema"'))).toBe(true);
    expect(bodies.some((b) => b.includes('"web_search"'))).toBe(true);
    expect(bodies.some((b) => b.includes('"function_call_output"'))).toBe(true);
    expect(bodies.some((b) => b.includes('"previous_response_id":"resp_'))).toBe(true);
    // And every field a run's options put in a request (the 'options' run).
    const options = received
      .filter((r) => r.run === 'options')
      .map(({ create }) => JSON.stringify(create.body));
    for (const field of [
      '"filters":{"allowed_domains":["raft.github.io","docs.temporal.io"]}',
      '"search_context_size":"high"',
      '"effort":"low"',
      '"max_output_tokens":',
      '"max_tool_calls":',
    ])
      expect([field, options.some((b) => b.includes(field))]).toEqual([field, true]);
    expect(received.length).toBeGreaterThan(20);
    const problems = received.flatMap(({ run, create }, i) => {
      const check = validateAgainst('CreateResponse', create.body);
      const errors = [...check.errors, ...(create.status === 200 ? [] : [`answered ${create.status}`])];
      return errors.length
        ? [{ run, request: i, errors, body: JSON.stringify(create.body).slice(0, 400) }]
        : [];
    });
    expect(problems).toEqual([]);
  });
});

/**
 * `npm run bench`: one research of 5 questions, depth 1, simulated latency 10 s ±20%, on a real dev
 * server and worker. Prints wall time against the critical path (the sum of simulated latencies along the
 * longest chain of dependent responses: plan -> the slowest question's chain -> report), the overhead
 * ratio, responses created and polls. Then, on the same simulator, the seed's own three-step loop
 * (analyse, search, synthesise; fixed 2 s polling; no Temporal) for comparison.
 */
import OpenAI from 'openai';
import { loadWorkerSettings } from '../src/config';
import { LocalStack } from '../src/local-stack';
import type { RunningSimulator } from '../src/simulator';
import { deepResearch } from '../workflows';

const LATENCY_MS = Number(process.env.BENCH_LATENCY_MS ?? 10_000);
const QUESTION = 'How do Raft and Paxos differ in leader election, log replication and failure handling?';

function latencies(sim: RunningSimulator) {
  return Object.entries(sim.stats().responses).map(([id, r]) => {
    const metadata = ((sim.requestBody(id) as { metadata?: Record<string, string> }).metadata ??
      {}) as Record<string, string>;
    return {
      workflowId: metadata.temporal_workflow_id ?? '',
      role: metadata.research_role ?? '',
      ms: (r.finishedAtMs ?? r.createdAtMs) - r.createdAtMs,
      polls: r.polls,
    };
  });
}

async function ourWorkflow(stack: LocalStack, sim: RunningSimulator, address: string) {
  const settings = loadWorkerSettings({
    ...process.env,
    TEMPORAL_ADDRESS: address,
    OPENAI_BASE_URL: sim.baseURL,
    OPENAI_API_KEY: 'sim-key',
    DEEP_RESEARCH_TASK_QUEUE: 'bench-research',
  });
  const worker = await stack.createWorker(settings);
  const client = await stack.connectClient({ address });
  const started = Date.now();
  const result = await stack.runUntil(
    worker,
    client.workflow.execute(deepResearch, {
      taskQueue: 'bench-research',
      workflowId: `bench-research-${started}`,
      args: [{ question: QUESTION, maxQuestions: 5, depth: 1, concurrency: 5 }],
    }),
  );
  const wallMs = Date.now() - started;

  const steps = latencies(sim);
  const sumFor = (pred: (s: (typeof steps)[number]) => boolean) =>
    steps.filter(pred).reduce((a, s) => a + s.ms, 0);
  const children = [...new Set(steps.map((s) => s.workflowId).filter((id) => /\/q\d+$/.test(id)))];
  const plan = sumFor((s) => s.role === 'planner');
  const chains = children.map((id) => ({
    ms: sumFor((s) => s.workflowId === id),
    steps: steps.filter((s) => s.workflowId === id).length,
  }));
  const slowest = chains.reduce((a, b) => (b.ms > a.ms ? b : a));
  const slowestChild = slowest.ms;
  const report = sumFor((s) => s.role === 'writer');
  const critical = plan + slowestChild + report;
  const stats = sim.stats();
  return {
    result,
    wallMs,
    critical,
    created: stats.created,
    polls: stats.retrieves,
    chainLength: steps.filter((s) => s.workflowId === children[0]).length + 2,
  };
}

/**
 * The seed's loop, as written there: three background responses, each polled every 2 s. One change: the
 * creates say `store: true`. A background create without it is answered `store: false` (as recorded in
 * ../shared/reference), and the second step's `previous_response_id` would then be refused.
 */
async function seedLoop(sim: RunningSimulator) {
  const client = new OpenAI({ apiKey: 'sim-key', baseURL: sim.baseURL });
  let polls = 0;
  const wait = async (resp: OpenAI.Responses.Response) => {
    while (resp.status === 'queued' || resp.status === 'in_progress') {
      await new Promise((r) => setTimeout(r, 2000));
      resp = await client.responses.retrieve(resp.id);
      polls++;
    }
    return resp;
  };
  const started = Date.now();
  const r1 = await wait(
    await client.responses.create({
      model: 'gpt-5.2',
      input: `Analyze this topic and identify 3 key research questions: ${QUESTION}`,
      background: true,
      store: true,
      reasoning: { effort: 'high' },
    }),
  );
  const r2 = await wait(
    await client.responses.create({
      model: 'gpt-5.2',
      input: `Use web search to find recent information on ${r1.output_text.slice(0, 200)}`,
      background: true,
      store: true,
      tools: [{ type: 'web_search' }],
      previous_response_id: r1.id,
    }),
  );
  await wait(
    await client.responses.create({
      model: 'gpt-5.2',
      input: [
        {
          role: 'user',
          content: `${r2.output_text}\n\nSynthesize all findings into a comprehensive research report.`,
        },
      ],
      background: true,
      reasoning: { effort: 'high' },
    }),
  );
  const wallMs = Date.now() - started;
  const steps = Object.values(sim.stats().responses);
  const critical = steps.reduce((a, r) => a + ((r.finishedAtMs ?? r.createdAtMs) - r.createdAtMs), 0);
  return { wallMs, critical, created: sim.stats().created, polls };
}

async function main(): Promise<void> {
  const stack = new LocalStack();
  try {
    const server = await stack.startDevServer();
    const sim = await stack.startSimulator({ latencyMs: LATENCY_MS, jitter: 0.2 });
    const ours = await ourWorkflow(stack, sim, server.address);
    sim.reset();
    const seed = await seedLoop(sim);
    const s = (ms: number) => `${(ms / 1000).toFixed(1)} s`;
    console.log(`bench: research of 5 questions, depth 1, simulated latency ${LATENCY_MS} ms ±20%`);
    console.log(
      `  deepResearch (Temporal)  wall ${s(ours.wallMs)}, critical path ${s(ours.critical)} ` +
        `(${ours.chainLength} dependent responses), overhead ratio ${(ours.wallMs / ours.critical).toFixed(3)}`,
    );
    console.log(
      `                           responses created ${ours.created}, polls ${ours.polls}, ` +
        `${ours.result.sources.length} sources cited, ${ours.result.questions.length} questions, $${ours.result.costUsd.toFixed(4)} (simulated prices)`,
    );
    console.log(
      `  seed three-step loop     wall ${s(seed.wallMs)}, critical path ${s(seed.critical)} (3 dependent responses), ` +
        `overhead ratio ${(seed.wallMs / seed.critical).toFixed(3)}`,
    );
    console.log(
      `                           responses created ${seed.created}, polls ${seed.polls}, one search, no citations checked`,
    );
  } finally {
    await stack.close();
  }
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});

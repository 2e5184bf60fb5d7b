import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { capabilitiesOf, DEFAULT_MODEL_CAPABILITIES } from '../../src/openai/models';
import { startSimulator, type RunningSimulator } from '../../src/simulator';
import { MODEL_FACTS, RECORDED_NOT_FOUND } from '../../src/simulator/models';
import { describeWithReference, loadRecordings, referenceDir } from '../helpers/openapi';
import { SPEC_FILE } from '../helpers/reference';

/**
 * The two model tables, the project's (src/openai/models.ts: what a run is checked against before it
 * spends) and the simulator's (src/simulator/models.ts: what the fake API refuses), are written apart so
 * that they can disagree; this suite is where a disagreement shows. Both must know every model of
 * OpenAI's spec (but the ones the real API was recorded answering "Model not found"), and wherever both
 * know a model they must say the same about it.
 */

/** Ids only the recordings show: the `gpt-5.6` alias (asked for, answered `gpt-5.6-sol`), and the snapshot `gpt-5.4` answers. */
const RECORDED_ONLY = ['gpt-5.6', 'gpt-5.4-2026-03-05'];

interface Comparable {
  efforts: string[];
  toolsRefusedAt: Record<string, string[]>;
  requiresOneOfTools: string[];
  retiredOn: string | null;
}

const sorted = (values: readonly string[] | undefined) => [...(values ?? [])].sort();

function fromProject(model: string): Comparable | undefined {
  const c = capabilitiesOf(DEFAULT_MODEL_CAPABILITIES, model);
  if (!c) return undefined;
  return {
    efforts: sorted(c.efforts),
    toolsRefusedAt: Object.fromEntries(
      Object.entries(c.toolsRefusedAt ?? {}).map(([effort, tools]) => [effort, sorted(tools)]),
    ),
    requiresOneOfTools: sorted(c.requiresOneOfTools),
    retiredOn: c.retiredOn ?? null,
  };
}

function fromSimulator(model: string): Comparable | undefined {
  if (!Object.hasOwn(MODEL_FACTS, model)) return undefined;
  const f = MODEL_FACTS[model]!;
  return {
    efforts: sorted(f.efforts ?? []),
    toolsRefusedAt: Object.fromEntries(
      Object.entries(f.toolsRefusedAt ?? {}).map(([effort, tools]) => [effort, sorted(tools)]),
    ),
    requiresOneOfTools: sorted(f.requiresOneOfTools),
    retiredOn: f.retiredOn ?? null,
  };
}

describe('the project and the simulator say the same about every model both know', () => {
  const both = [...new Set([...Object.keys(MODEL_FACTS), ...Object.keys(DEFAULT_MODEL_CAPABILITIES)])].filter(
    (model) => fromProject(model) && fromSimulator(model),
  );

  test('they share the current, deep-research and older models', () => {
    expect(both).toEqual(
      expect.arrayContaining([
        'gpt-5.6-sol',
        'gpt-5.5',
        'gpt-5.4-2026-03-05',
        'o1',
        'o3-deep-research',
        'gpt-4o',
      ]),
    );
    expect(both.length).toBeGreaterThan(90);
  });

  test('accepted efforts, reasoning or not, tools refused per effort, required tools, shutdown', () => {
    const differences = both
      .map((model) => ({ model, project: fromProject(model), simulator: fromSimulator(model) }))
      .filter((d) => JSON.stringify(d.project) !== JSON.stringify(d.simulator));
    expect(differences).toEqual([]);
  });

  test('a model the spec does not list is unknown to both (gpt-5.4-pro is priced, not checked)', () => {
    expect(fromSimulator('gpt-5.4-pro')).toBeUndefined();
    expect(fromProject('gpt-5.4-pro')).toBeUndefined();
  });

  test('every snapshot the simulator answers with is accepted as input', () => {
    const answered = [...new Set(Object.values(MODEL_FACTS).map((f) => f.snapshot))];
    expect(answered.filter((snapshot) => !Object.hasOwn(MODEL_FACTS, snapshot))).toEqual([]);
  });
});

describeWithReference("both tables against the spec's model list", () => {
  const spec = parse(readFileSync(join(referenceDir()!, SPEC_FILE), 'utf8')) as {
    components: { schemas: Record<string, { anyOf?: Array<{ enum?: string[] }> }> };
  };
  const specModels = ['ModelIdsShared', 'ModelIdsResponses'].flatMap((name) =>
    (spec.components.schemas[name]!.anyOf ?? []).flatMap((branch) => branch.enum ?? []),
  );
  const recordedModels = new Set(
    loadRecordings().flatMap((r) =>
      r.interactions.flatMap((i) =>
        [i.request.body, i.response.body].flatMap((body) =>
          body && typeof body === 'object' && 'model' in body ? [String(body.model)] : [],
        ),
      ),
    ),
  );

  test('the spec lists the models the tables are checked against', () => {
    expect(specModels.length).toBeGreaterThan(90);
    expect(specModels).toEqual(
      expect.arrayContaining(['gpt-5.6-sol', 'o1', 'o3-deep-research', 'gpt-5.1-codex']),
    );
  });

  test('the simulator knows every model in the spec, but those the real API was recorded not to serve', () => {
    expect(specModels.filter((m) => !fromSimulator(m) && !Object.hasOwn(RECORDED_NOT_FOUND, m))).toEqual([]);
    for (const m of Object.keys(RECORDED_NOT_FOUND)) {
      expect(specModels).toContain(m);
      expect(fromSimulator(m)).toBeUndefined();
    }
  });

  test('the project knows every model in the spec, but those the real API was recorded not to serve', () => {
    expect(specModels.filter((m) => !fromProject(m) && !Object.hasOwn(RECORDED_NOT_FOUND, m))).toEqual([]);
    for (const m of Object.keys(RECORDED_NOT_FOUND)) expect(fromProject(m)).toBeUndefined();
  });

  test('neither knows a model that is neither in the spec nor recorded', () => {
    const known = new Set([...specModels, ...RECORDED_ONLY]);
    for (const m of RECORDED_ONLY) expect(recordedModels).toContain(m);
    expect(Object.keys(MODEL_FACTS).filter((m) => !known.has(m))).toEqual([]);
    expect(Object.keys(DEFAULT_MODEL_CAPABILITIES).filter((m) => !known.has(m))).toEqual([]);
  });
});

interface Answer {
  object?: string;
  model?: string;
  error?: { code: string | null; param: string | null };
}

describe('the simulator serves what its table says', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await startSimulator({ latencyMs: 5, jitter: 0 });
  });
  afterAll(() => sim.close());

  async function create(body: Record<string, unknown>): Promise<{ status: number; json: Answer }> {
    const res = await fetch(`${sim.baseURL}/responses`, {
      method: 'POST',
      headers: { authorization: 'Bearer sim-key', 'content-type': 'application/json' },
      body: JSON.stringify({ input: 'Say hi', background: true, store: true, ...body }),
    });
    return { status: res.status, json: (await res.json()) as Answer };
  }

  test.each([
    'gpt-5.4-2026-03-05',
    'o3-pro-2025-06-10',
    'gpt-4.1-mini-2025-04-14',
    'gpt-4.1-nano-2025-04-14',
    'gpt-4o-mini-2024-07-18',
    'o1',
    'o1-pro',
    'o3-mini',
    'gpt-5-codex',
    'gpt-5.1-chat-latest',
    'gpt-5.6-cyber',
  ])('%s is accepted', async (model) => {
    const answer = await create({ model });
    expect([answer.status, answer.json.object, answer.json.model]).toEqual([
      200,
      'response',
      expect.any(String),
    ]);
  });

  test('a shut-down deep-research model is refused: for its tools as recorded, and as unknown with the tool it needs', async () => {
    const bare = await create({ model: 'o3-deep-research' });
    expect([bare.status, bare.json.error?.param]).toEqual([400, 'tools']);
    const equipped = await create({ model: 'o3-deep-research', tools: [{ type: 'web_search_preview' }] });
    expect([equipped.status, equipped.json.error?.code]).toEqual([400, 'model_not_found']);
  });

  test('gpt-5.1-minimal is accepted by both tables alike', async () => {
    expect((await create({ model: 'gpt-5.1', reasoning: { effort: 'minimal' } })).status).toBe(200);
    expect(fromProject('gpt-5.1')!.efforts).toContain('minimal');
  });
});

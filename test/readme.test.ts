import type { Client } from '@temporalio/client';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startSimulator, type RunningSimulator } from '../src/simulator';
import { freePort } from '../src/temporal/ports';
import { cliEnv, killLeftovers, ROOT, shell, until, type CliProcess } from './helpers/cli';
import { testClient } from './helpers/temporal';

/**
 * README.md's command blocks, run as written (parsed from the README itself, so an edited README is what
 * is tested) as subprocesses, each checked for the effect the README promises. Substitutions are only
 * what cannot be literal here, and each is named where it is made: the test's dev server instead of
 * 127.0.0.1:7233 (TEMPORAL_ADDRESS), the test's simulator instead of OpenAI, a free port instead of 8787.
 *
 * One simulator and one `scripts/npm run worker` (on the README's task queue, `deep-research`, pointed
 * at the simulator) serve every block that needs a running worker.
 */

jest.setTimeout(240_000);

interface Block {
  heading: string;
  lang: string;
  text: string;
  /** Commands: continuation lines joined, blank lines dropped. */
  commands: string[];
}

function readmeBlocks(): Block[] {
  const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  const blocks: Block[] = [];
  let heading = '';
  const lines = readme.split('\n');
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (/^#{1,4} /.test(line)) heading = line.replace(/^#+ /, '');
    const fence = /^```(\w*)$/.exec(line);
    if (!fence || !fence[1]) continue;
    const body: string[] = [];
    for (i++; i < lines.length && lines[i] !== '```'; i++) body.push(lines[i]!);
    const text = body.join('\n');
    const commands = text
      .replace(/\\\n\s*/g, ' ')
      .split('\n')
      .filter((l) => l.trim() !== '');
    blocks.push({ heading, lang: fence[1], text, commands });
  }
  return blocks;
}

const blocks = readmeBlocks();

/** The one sh block of `heading` whose text contains `contains` (the README must keep exactly one). */
function block(heading: string, contains: string): Block {
  const found = blocks.filter(
    (b) => b.heading === heading && (b.lang === 'sh' || b.lang === 'js') && b.text.includes(contains),
  );
  if (found.length !== 1) {
    throw new Error(
      `README: expected one block under "${heading}" containing ${contains}, found ${found.length}`,
    );
  }
  return found[0]!;
}

let sim: RunningSimulator;
let client: Client;
let worker: CliProcess;
let simEnv: NodeJS.ProcessEnv;
const tmp = mkdtempSync(path.join(tmpdir(), 'readme-'));
const reportInRoot = path.join(ROOT, 'report.md');

beforeAll(async () => {
  sim = await startSimulator({ latencyMs: 100, jitter: 0 });
  client = await testClient();
  // What `export OPENAI_API_KEY=…` / the simulator block give a shell, here pointing at the test's simulator.
  simEnv = cliEnv({
    OPENAI_API_KEY: 'sim-key',
    OPENAI_BASE_URL: sim.baseURL,
    DEEP_RESEARCH_POLL_INITIAL_MS: '50',
  });
  worker = shell('scripts/npm run worker', simEnv);
  await worker.waitFor(/worker on task queue "deep-research"/);
});

afterAll(async () => {
  // As a terminal or a container stops a job: every process of the group (npm, sh, tsx, node).
  worker?.interrupt('SIGTERM');
  if (worker) await worker.exited;
  killLeftovers();
  rmSync(reportInRoot, { force: true });
  await client.connection.close();
  await sim.close();
});

/** A command that must succeed; its stdout without npm's own `> pkg@version script` banner. */
async function ok(
  line: string,
  env: NodeJS.ProcessEnv = simEnv,
): Promise<{ stdout: string; stderr: string }> {
  const cli = shell(line, env);
  const code = await cli.exited;
  if (code !== 0)
    throw new Error(`\`${line}\` exited ${code}\nstdout:\n${cli.stdout}\nstderr:\n${cli.stderr}`);
  return { stdout: withoutNpmBanner(cli.stdout), stderr: cli.stderr };
}

/** `npm run x` prints "\n> pkg@1.0.0 x\n> command\n\n" first: npm's, not the command's output. */
function withoutNpmBanner(stdout: string): string {
  return stdout.replace(/^\n?(> .*\n)+\n/, '');
}

function doneCost(stderr: string): number {
  const match = /Done: .*\$(\d+\.\d+)/.exec(stderr);
  if (!match) throw new Error(`no Done line in:\n${stderr}`);
  return Number(match[1]);
}

describe('README: The two commands', () => {
  test('the set-up line researches a question against the simulator, prints the report, exits by itself', async () => {
    const [line] = block('The two commands', 'bash scripts/setup.sh').commands;
    // set-up (npm ci, the Temporal CLI) is what made this checkout; re-running it would reinstall
    // node_modules under the other tests. The research command after it runs as written.
    const research = line!.split(' && ')[1]!;
    expect(research).toContain('run --simulate');
    const cli = await ok(research, cliEnv());
    expect(cli.stdout).toMatch(/^> \*\*Simulated:\*\*/);
    expect(cli.stdout).toMatch(/## Sources/);
    expect(cli.stderr).toMatch(/Done: \d+ of \d+ questions researched/);
    expect(cli.stderr).toMatch(/Watch it in the Temporal Web UI: http/);
  });

  test('with a key: --questions 5 --depth 2 --max-cost 1.50 --out report.md', async () => {
    const commands = block('The two commands', 'export OPENAI_API_KEY').commands;
    expect(commands[0]).toMatch(/^export OPENAI_API_KEY=/);
    // The key line is the test simulator's key and URL (simEnv); the run line runs as written.
    rmSync(reportInRoot, { force: true });
    const cli = await ok(commands[1]!);
    expect(readFileSync(reportInRoot, 'utf8')).toMatch(/## Sources/);
    expect(cli.stderr).toContain('Report written to report.md');
    expect(doneCost(cli.stderr)).toBeLessThanOrEqual(1.5);
    const planned = Number(/of (\d+) questions/.exec(cli.stderr)?.[1]);
    expect(planned).toBeLessThanOrEqual(5);
  });
});

describe('README: Private data and custom tools', () => {
  const commands = () => block('Private data and custom tools', '--sources docs:example').commands;

  test('--sources docs:example cites the handbook as documents, and exits', async () => {
    const cli = await ok(commands()[0]!, cliEnv());
    expect(cli.stdout).toMatch(/docs:example\/[\w-]+\.md#L\d+/);
    expect(cli.stdout).toMatch(/document/);
  });

  test('--sources db:example cites the database, and exits by itself (no SQLite process keeps it alive)', async () => {
    const cli = await ok(commands()[1]!, cliEnv());
    expect(cli.stdout).toMatch(/database/);
  });

  test('--sources web,docs:example --mode hybrid cites the web and the documents', async () => {
    const cli = await ok(commands()[2]!, cliEnv());
    expect(cli.stdout).toMatch(/docs:example\//);
    expect(cli.stdout).toMatch(/https?:\/\//);
  });
});

describe('README: Starting a research, from our CLI', () => {
  const usage = () => block('From our CLI', 'deep-research -- run "question"').commands;

  test('run with every flag of its usage line', async () => {
    const out = path.join(tmp, 'run.md');
    // The usage line's placeholders, filled in: [x] means "x may be given", so all are given.
    const line = usage()[0]!
      .replace('"question"', '"How do Raft and Paxos differ?"')
      .replace('[--questions N]', '--questions 2')
      .replace('[--depth D]', '--depth 0')
      .replace('[--max-cost USD]', '--max-cost 0.5')
      .replace('[--out FILE]', `--out ${out}`)
      .replace(/\[(--\w+)\]/g, '$1');
    expect(line).not.toMatch(/[[\]]/);
    const cli = await ok(line, cliEnv());
    const result = JSON.parse(cli.stdout) as { markdown: string; costUsd: number; questions: unknown[] };
    expect(readFileSync(out, 'utf8')).toBe(result.markdown);
    expect(result.questions.length).toBeLessThanOrEqual(2);
    expect(result.costUsd).toBeLessThanOrEqual(0.5);
  });

  test('start, status, result, finish, cancel, list', async () => {
    const [start, status, result, finish, cancel, list] = usage().slice(1);
    const fill = (line: string, id: string) => line.replace('<id>', id);

    const started = await ok(start!.replace('"question"', '"How do CRDTs compare to OT?"'));
    const id = started.stdout.trim();
    expect(id).toMatch(/^research-how-do-crdts-compare-to-ot-/);
    expect(started.stderr).toContain(`deep-research status ${id}`);

    // Answered by the worker once it has run the research's first workflow task.
    const table = await until('a progress table', () => ok(fill(status!, id)).catch(() => undefined));
    expect(table.stdout).toMatch(/^(planning|researching|synthesizing|completed) /);

    rmSync(reportInRoot, { force: true });
    await ok(fill(result!, id));
    expect(readFileSync(reportInRoot, 'utf8')).toMatch(/## Sources/);

    // finish on a run that has ended: a clear message, nothing changed.
    const finished = await ok(fill(finish!, id));
    expect(finished.stderr).toContain(`${id} has already ended (completed): nothing to stop.`);

    // cancel, on a run still going (a slow one), stops it.
    sim.configure({ latencyMs: 20_000 });
    try {
      const second = (
        await ok(start!.replace('"question"', '"Why do lithium batteries degrade?"'))
      ).stdout.trim();
      const cancelled = await ok(fill(cancel!, second));
      expect(cancelled.stderr).toContain(`Cancellation requested for ${second}`);
      await until('the run cancelled', async () => {
        const d = await client.workflow.getHandle(second).describe();
        return d.status.name === 'CANCELLED';
      });
      const listed = await ok(list!);
      expect(listed.stdout).toContain(id);
      expect(listed.stdout).toMatch(new RegExp(`${second}\\s+CANCELLED`));
    } finally {
      sim.configure({ latencyMs: 100 });
    }
  });
});

describe('README: Starting a research, from the Temporal CLI', () => {
  test('start, query progress, finishEarly, result; then cancel', async () => {
    const [start, query, update, result] = block('From the Temporal CLI', 'workflow start').commands;
    const [cancel] = block('From the Temporal CLI', 'workflow cancel').commands;
    const id = /--workflow-id (\S+)/.exec(start!)![1]!;
    // Slow enough that the research is still going when finishEarly arrives.
    sim.configure({ latencyMs: 4_000 });
    await ok(start!);
    // Its progress is answered once the worker has run the first workflow task.
    const progress = await until('a progress answer', () => ok(query!).catch(() => undefined));
    expect(progress.stdout).toMatch(/"phase"/);
    const finished = await ok(update!);
    sim.configure({ latencyMs: 100 });
    expect(finished.stdout).toMatch(/accepted|phase/);
    const report = await ok(result!);
    expect(report.stdout).toMatch(/COMPLETED/);
    expect(report.stdout).toMatch(/stopped early|finish/i);
    const workflow = await client.workflow.getHandle(id).describe();
    expect(workflow.status.name).toBe('COMPLETED');

    // The same id again (the earlier run has closed), slow this time, and cancelled.
    sim.configure({ latencyMs: 20_000 });
    try {
      await ok(start!);
      await ok(cancel!);
      await until('the run cancelled', async () => {
        return (await client.workflow.getHandle(id).describe()).status.name === 'CANCELLED';
      });
    } finally {
      sim.configure({ latencyMs: 100 });
    }
  });
});

describe('README: The Responses API simulator', () => {
  test('the simulator command and its admin lines', async () => {
    const port = String(await freePort());
    const commands = block('The Responses API simulator', '__sim/stats').commands.map((l) =>
      // A free port instead of 8787 (other work on this machine may hold it).
      l.replaceAll('8787', port),
    );
    // Each admin line found by what it calls, so a line added to the block is not taken for another.
    const line = (pattern: RegExp) => {
      const found = commands.find((l) => pattern.test(l));
      if (!found) throw new Error(`README's simulator block has no line matching ${pattern}`);
      return found;
    };
    const [run, exportLine] = commands;
    const stats = line(/__sim\/stats/);
    const received = line(/__sim\/received/);
    const config = line(/-XPOST .*__sim\/config/);
    const reset = line(/__sim\/reset/);
    const server = shell(run!.replace(/ \[--api-key KEY\]/, ''), cliEnv());
    try {
      await until('the simulator answering', async () => {
        try {
          return (await fetch(`http://127.0.0.1:${port}/__sim/stats`)).ok;
        } catch {
          return false;
        }
      });
      // The export line's effect: a worker pointed at it with a key (the simulator accepts any key).
      expect(exportLine).toContain(`OPENAI_BASE_URL=http://127.0.0.1:${port}/v1`);
      const created = await fetch(`http://127.0.0.1:${port}/v1/responses`, {
        method: 'POST',
        headers: { authorization: 'Bearer sim-key', 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'gpt-5.2', input: 'hello', background: true }),
      });
      expect(created.status).toBe(200);

      const statsAnswer = JSON.parse((await ok(stats, cliEnv())).stdout) as Record<string, unknown>;
      for (const field of [
        'created',
        'completed',
        'failed',
        'cancelled',
        'inFlight',
        'retrieves',
        'responses',
      ]) {
        expect(statsAnswer).toHaveProperty(field);
      }
      expect(statsAnswer.created).toBe(1);
      const receivedAnswer = JSON.parse((await ok(received, cliEnv())).stdout) as Array<{
        body: { model?: string; input?: unknown };
        status: number;
      }>;
      expect(receivedAnswer).toEqual([
        expect.objectContaining({ body: expect.objectContaining({ input: 'hello' }), status: 200 }),
      ]);
      const configured = JSON.parse((await ok(config, cliEnv())).stdout) as {
        faults: { rateLimit: number };
      };
      expect(configured.faults.rateLimit).toBe(0.3);
      await ok(reset, cliEnv());
      const after = (await (await fetch(`http://127.0.0.1:${port}/__sim/stats`)).json()) as {
        created: number;
      };
      expect(after.created).toBe(0);
    } finally {
      server.interrupt('SIGINT');
      await server.exited;
    }
  });
});

describe('README: From another service, and Installing the package', () => {
  const consumer = path.join(tmp, 'consumer');

  beforeAll(() => {
    // `npm run build`, then the README's install line (from a checkout) into a fresh project.
    execFileSync(path.join(ROOT, 'scripts', 'npm'), ['run', '--silent', 'build'], {
      cwd: ROOT,
      stdio: 'pipe',
    });
    const [install] = blocks.filter((b) => b.heading === 'Installing the package' && b.lang === 'sh')[0]!
      .commands;
    expect(install).toBe('npm install /path/to/durable-deep-research');
    execFileSync('mkdir', ['-p', consumer]);
    writeFileSync(path.join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
    execFileSync(
      'bash',
      ['-c', `${install!.replace('/path/to/durable-deep-research', ROOT)} --offline --no-audit --no-fund`],
      {
        cwd: consumer,
        env: { ...process.env, PATH: `${path.dirname(nodeBin())}:${process.env.PATH}` },
        stdio: 'pipe',
      },
    );
  }, 240_000);

  test('the client snippet runs unchanged as an ES module against a worker on the simulator', async () => {
    const snippet = block('From another service', 'ResearchClient.connect').text;
    writeFileSync(path.join(consumer, 'snippet.mjs'), snippet);
    const cli = shell(`"${nodeBin()}" snippet.mjs`, cliEnv(), consumer);
    expect(await cli.exited).toBe(0);
    const [first] = cli.stdout.split('\n');
    expect(first).toMatch(/^research-what-limits-the-range-of-electric-[0-9a-f]{8}$/);
    expect(cli.stdout).toMatch(/phase: '(planning|researching|synthesizing|completed)'/);
    expect(cli.stdout).toMatch(/\d+ sources, \$\d+\.\d{4}\n/);
    expect(cli.stdout).toMatch(/## Sources/);
  });

  test('CommonJS require gives the same exports', () => {
    const out = execFileSync(
      nodeBin(),
      [
        '-e',
        "const m = require('durable-deep-research'); console.log(typeof m.ResearchClient.connect, typeof m.InvalidResearchInputError)",
      ],
      { cwd: consumer, encoding: 'utf8' },
    );
    expect(out.trim()).toBe('function function');
  });

  test('the built CLI on an older Node asks for Node 22 instead of crashing', () => {
    const old = ['/usr/bin/node', '/usr/local/bin/node'].find(
      (bin) =>
        existsSync(bin) &&
        Number(execFileSync(bin, ['-p', 'process.versions.node.split(".")[0]'], { encoding: 'utf8' })) < 22,
    );
    if (!old) {
      console.log(
        'no Node older than 22 on this machine: the built CLI was checked on the project Node only',
      );
    } else {
      let status = 0;
      let stderr = '';
      try {
        execFileSync(old, [path.join(ROOT, 'dist', 'src', 'cli', 'main.js'), 'run', '--simulate', 'x y z'], {
          stdio: 'pipe',
        });
      } catch (error) {
        ({ status, stderr } = error as { status: number; stderr: string });
      }
      expect(status).toBe(2);
      expect(String(stderr)).toMatch(/needs Node 22 or newer/);
      expect(String(stderr)).not.toMatch(/ERR_UNKNOWN_BUILTIN_MODULE/);
    }
    const help = execFileSync(nodeBin(), [path.join(ROOT, 'dist', 'src', 'cli', 'main.js'), '--help'], {
      encoding: 'utf8',
    });
    expect(help).toMatch(/Usage: deep-research/);
  });
});

function nodeBin(): string {
  return process.execPath;
}

import { spawn, type ChildProcess } from 'node:child_process';
import {
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { deflateSync } from 'node:zlib';
import { MockActivityEnvironment } from '@temporalio/testing';
import { runTool, type ResearchDeps } from '../../activities/research';
import { numberSources, renderReport } from '../../src/report';
import { MAX_TITLE_CHARS } from '../../src/text';
import { MAX_DESCRIPTION_CHARS, MAX_OUTPUT_CHARS } from '../../src/tools/bounds';
import { loadSourcesFile } from '../../src/tools/config';
import { z } from 'zod';
import { defineSourceType } from '../../src/tools/source-type';
import { defineTool } from '../../src/tools/types';
import { documentsSource, type DocumentsSource } from '../../src/tools/documents';
import { DocumentCorpus } from '../../src/tools/documents/corpus';
import { readInside } from '../../src/tools/documents/extract';
import { httpFetchSource, isPublicAddress } from '../../src/tools/http-fetch';
import { argumentsSchema, mcpSource, type McpSource } from '../../src/tools/mcp';
import { SourceRegistry } from '../../src/tools/registry';
import type { ResearchSource, ToolResult } from '../../src/tools/types';
import { PHISH } from '../fixtures/hostile-mcp-server';
import {
  MAX_LOOP_BLOCK_MS,
  MAX_RSS_GROWTH,
  startLoopProbe,
  type LoopProbeReading,
} from '../helpers/loop-probe';

/**
 * Hostile probes against the private sources, the way a misbehaving model, a hostile shared document or
 * a hostile MCP server would send them. Each probe must end in a clear refusal or a bounded answer,
 * while the worker's event loop is never blocked more than 200 ms, its RSS grows less than 256 MiB,
 * and no process it started outlasts the call. The table (probe, outcome, time, peak RSS) is printed
 * at the end.
 */

const ROOT = path.resolve(__dirname, '..', '..');
const ctx = () => ({ signal: new AbortController().signal });

interface Row {
  probe: string;
  outcome: string;
  ms: number;
  peakRssMb: number;
  readerPeakMb?: number;
  loopMaxMs: number;
  lagMs: number;
}
const rows: Row[] = [];

/** Processes this test process started that are still running. */
function childPids(): Set<number> {
  const pids = new Set<number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'latin1');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      if (Number(fields[1]) === process.pid && fields[0] !== 'Z') pids.add(Number(entry));
    } catch {
      // gone meanwhile
    }
  }
  return pids;
}

async function waitFor(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * Runs one probe under the three limits. `longLived` names processes that may stay (a documents
 * source's reader, an MCP server): everything else started during the probe must be gone after it.
 */
async function probe(
  name: string,
  run: () => Promise<string>,
  options: { longLived?: () => (number | undefined)[]; reader?: DocumentsSource } = {},
): Promise<string> {
  const before = childPids();
  const loop = startLoopProbe({ intervalMs: 10 });
  let outcome: string;
  let measured: LoopProbeReading;
  try {
    outcome = await run();
  } finally {
    measured = loop.stop();
  }
  rows.push({
    probe: name,
    outcome,
    ms: measured.ms,
    peakRssMb: measured.rssGrowth / 2 ** 20,
    ...(options.reader ? { readerPeakMb: options.reader.reader.peakRssBytes / 2 ** 20 } : {}),
    loopMaxMs: measured.blockedMs,
    lagMs: measured.lagMs,
  });
  expect(measured.blockedMs).toBeLessThan(MAX_LOOP_BLOCK_MS);
  expect(measured.rssGrowth).toBeLessThan(MAX_RSS_GROWTH);
  const allowed = new Set([...before, ...(options.longLived?.() ?? [])]);
  await waitFor(() => [...childPids()].every((pid) => allowed.has(pid)), `processes of "${name}" to end`);
  return outcome;
}

const short = (text: string) => text.replace(/\s+/g, ' ').slice(0, 110);

function bounded(result: ToolResult): void {
  expect(result.output.length).toBeLessThanOrEqual(MAX_OUTPUT_CHARS + 100);
  for (const s of result.sources) {
    expect(s.title.length).toBeLessThanOrEqual(MAX_TITLE_CHARS);
    expect(s.url.length).toBeLessThanOrEqual(2048);
    expect((s.excerpt ?? '').length).toBeLessThanOrEqual(1000);
  }
}

function toolOf(source: ResearchSource, name: string) {
  const tool = source.tools.find((t) => t.name === name);
  if (!tool) throw new Error(`no tool ${name} in ${source.tools.map((t) => t.name).join(', ')}`);
  return tool;
}

/** What ran before this file (with one Jest worker: the Temporal dev server of the global setup). */
const initialChildren = childPids();

// ---- fixtures ----------------------------------------------------------------------------------------

const dir = mkdtempSync(path.join(tmpdir(), 'dr-security-'));
const folder = (name: string, files: Record<string, string | Buffer>): string => {
  const at = path.join(dir, name);
  mkdirSync(at, { recursive: true });
  writeFileSync(path.join(at, 'normal.md'), '# Travel\n\nThe hotel nightly limit is 180 EUR.\n');
  for (const [file, content] of Object.entries(files)) writeFileSync(path.join(at, file), content);
  return at;
};

/** A PDF whose one page draws a form that draws a form … 20^6 times: a few KB that expand without end. */
function pdfBomb(): Buffer {
  const stream = (dict: string, content: string) => {
    const data = deflateSync(Buffer.from(content, 'latin1'));
    return { head: `<< ${dict} /Length ${data.length} /Filter /FlateDecode >>\nstream\n`, data };
  };
  const parts: (string | Buffer)[] = ['%PDF-1.4\n'];
  const offsets: number[] = [];
  let length = parts[0]!.length;
  const add = (body: string | { head: string; data: Buffer }) => {
    offsets.push(length);
    const n = offsets.length;
    const chunk =
      typeof body === 'string'
        ? [`${n} 0 obj\n${body}\nendobj\n`]
        : [`${n} 0 obj\n${body.head}`, body.data, '\nendstream\nendobj\n'];
    for (const c of chunk) {
      parts.push(c);
      length += typeof c === 'string' ? Buffer.byteLength(c, 'latin1') : c.length;
    }
  };
  const LEVELS = 6;
  add('<< /Type /Catalog /Pages 2 0 R >>');
  add('<< /Type /Pages /Kids [3 0 R] /Count 1 >>');
  const form = (level: number) => 5 + level; // object numbers: 4 font, 5.. forms, then page content
  add(
    `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 4 0 R >> ` +
      `/XObject << /X${LEVELS} ${form(LEVELS)} 0 R >> >> /Contents ${form(LEVELS) + 1} 0 R >>`,
  );
  add('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>');
  for (let level = 0; level <= LEVELS; level++) {
    const resources =
      level === 0
        ? '/Resources << /Font << /F1 4 0 R >> >>'
        : `/Resources << /XObject << /X${level - 1} ${form(level - 1)} 0 R >> >>`;
    const content =
      level === 0
        ? 'BT /F1 12 Tf 10 700 Td (bomb text) Tj 0 -14 Td (more text) Tj ET'
        : `/X${level - 1} Do `.repeat(20);
    add(stream(`/Type /XObject /Subtype /Form /BBox [0 0 612 792] ${resources}`, content));
  }
  add(stream('', `/X${LEVELS} Do`));
  const xref = length;
  const table = offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('');
  parts.push(
    `xref\n0 ${offsets.length + 1}\n0000000000 65535 f \n${table}` +
      `trailer\n<< /Size ${offsets.length + 1} /Root 1 0 R >>\nstartxref\n${xref}\n%%EOF\n`,
  );
  return Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'latin1') : p)));
}

const words = 'alpha bravo charlie delta echo foxtrot golf hotel india juliet kilo lima mike '.repeat(8);
const HUGE_TITLE = 1_900_000;
const folders = {
  nestedHtml: folder('nested-html', {
    'nested.html': `<html><body>${'<div>'.repeat(1_440_000)}deep${'</div>'.repeat(10)}</body></html>`,
  }),
  hugeMarkdown: folder('huge-md', {
    'huge.md': Array.from({ length: 19 * 1024 }, (_, i) => `## Part ${i}\n\n${words}`).join('\n\n'),
  }),
  pdfBomb: folder('pdf-bomb', { 'bomb.pdf': pdfBomb() }),
  hugeTitle: folder('huge-title', {
    'title.md': `# ${'T'.repeat(HUGE_TITLE)}\n\nThe hotel nightly limit is 999 EUR.\n`,
    'title.html': `<html><head><title>${'T'.repeat(HUGE_TITLE)}</title></head><body><h1>${'H'.repeat(HUGE_TITLE)}</h1><p>hotel text</p></body></html>`,
  }),
  race: folder('race', { 'race.md': 'inside the folder\n' }),
};
const SECRET = 'TOP-SECRET-OUTSIDE-THE-FOLDER';
const outside = path.join(dir, 'outside');
mkdirSync(outside);
writeFileSync(path.join(outside, 'secret.md'), `${SECRET}\n`);

const limits = { fileTimeoutMs: 3000, maxMemoryMb: 768 };
const docs: Record<keyof typeof folders | 'memoryLimit', DocumentsSource> = {
  nestedHtml: documentsSource('docs:nested', { path: folders.nestedHtml, ...limits }),
  hugeMarkdown: documentsSource('docs:huge', { path: folders.hugeMarkdown, ...limits }),
  memoryLimit: documentsSource('docs:memory', {
    path: folders.hugeMarkdown,
    fileTimeoutMs: 60_000,
    maxMemoryMb: 160,
  }),
  pdfBomb: documentsSource('docs:pdf', { path: folders.pdfBomb, ...limits }),
  hugeTitle: documentsSource('docs:title', { path: folders.hugeTitle, ...limits }),
  race: documentsSource('docs:race', { path: folders.race, ...limits }),
};

const hostileCommand = {
  transport: 'stdio' as const,
  command: process.execPath,
  args: ['--import', 'tsx', path.join(ROOT, 'test/fixtures/hostile-mcp-server.ts')],
  cwd: ROOT,
};
let hostile: McpSource;
let webServer: http.Server;
let webUrl = '';

beforeAll(async () => {
  hostile = mcpSource('mcp:hostile', hostileCommand, { timeoutMs: 10_000 });
  await hostile.init();
  webServer = http.createServer((req, res) => {
    res.setHeader('content-type', 'text/html; charset=utf-8');
    if (req.url === '/title') {
      res.end(`<html><head><title>${'T'.repeat(HUGE_TITLE)}</title></head><body><p>x</p></body></html>`);
    } else {
      res.end(`<html><body>${'<div>'.repeat(400_000)}deep</body></html>`);
    }
  });
  await new Promise<void>((resolve) => webServer.listen(0, '127.0.0.1', resolve));
  webUrl = `http://127.0.0.1:${(webServer.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await Promise.all([...Object.values(docs).map((d) => d.close()), hostile?.close()]);
  await new Promise<void>((resolve) => webServer?.close(() => resolve()));
  await waitFor(
    () => [...childPids()].every((pid) => initialChildren.has(pid)),
    'every source process to end',
  ).catch((error: Error) => {
    const left = [...childPids()]
      .filter((pid) => !initialChildren.has(pid))
      .map((pid) => readFileSync(`/proc/${pid}/cmdline`, 'latin1').replace(/\0/g, ' '));
    throw new Error(`${error.message}: still running: ${left.join('; ')}`);
  });
  rmSync(dir, { recursive: true, force: true });
  const table = [
    '| probe | outcome | time | peak RSS (worker, growth) | peak RSS (reader process) | longest block (main-thread CPU) | max loop lag (wall) |',
    '| --- | --- | --- | --- | --- | --- | --- |',
    ...rows.map(
      (r) =>
        `| ${r.probe} | ${r.outcome.replace(/\|/g, '\\|')} | ${Math.round(r.ms)} ms | ${r.peakRssMb.toFixed(1)} MiB | ` +
        `${r.readerPeakMb === undefined ? '-' : `${r.readerPeakMb.toFixed(0)} MiB`} | ${r.loopMaxMs.toFixed(0)} ms | ${r.lagMs.toFixed(0)} ms |`,
    ),
  ].join('\n');
  process.stdout.write(`\nSecurity probes:\n${table}\n`);
});

// ---- the probe itself -----------------------------------------------------------------------------------

test('the loop probe sees a main thread held for 300 ms of CPU as a 300 ms block', () => {
  const loop = startLoopProbe({ intervalMs: 10 });
  // Busy by CPU time, not wall time: a busy machine cannot make this shorter.
  const cpuAt = () => process.threadCpuUsage().user + process.threadCpuUsage().system;
  const from = cpuAt();
  while (cpuAt() - from < 300_000) {
    // spin
  }
  const reading = loop.stop();
  expect(reading.blockedMs).toBeGreaterThanOrEqual(300);
  expect(reading.blockedMs).toBeGreaterThanOrEqual(MAX_LOOP_BLOCK_MS);
});

// ---- tool allow-listing --------------------------------------------------------------------------------

describe('a run calls only the tools of the sources it selected', () => {
  const sourcesFile = path.join(dir, 'sources.json');
  writeFileSync(
    sourcesFile,
    JSON.stringify({
      sources: {
        'docs:probe': { type: 'documents', path: folders.race },
        'db:secret': { type: 'sqlite', path: path.join(ROOT, 'examples/example.db') },
        'mcp:hostile': { type: 'mcp', ...hostileCommand },
      },
    }),
  );
  let registry: SourceRegistry;
  beforeAll(() => {
    registry = new SourceRegistry(loadSourcesFile(sourcesFile, ''));
  });
  afterAll(() => registry.close());

  test('a call to an unselected source is refused back to the model as a tool error, and marked', async () => {
    // As the workflow does it: the run's tools are fixed when it starts, then each call is one runTool.
    const offered = await registry.definitions(['docs:probe', 'mcp:hostile']);
    const allowedTools = offered.map((d) => d.name);
    expect(allowedTools).not.toContain('db_secret__query_database');
    const deps = { sources: registry } as unknown as ResearchDeps;
    const env = new MockActivityEnvironment();
    const outcome = await probe(
      'allow-list: `db_secret__query_database` from a run with docs:probe, mcp:hostile',
      async () => {
        const result: ToolResult = await env.run(runTool, deps, {
          name: 'db_secret__query_database',
          arguments: JSON.stringify({ sql: 'SELECT * FROM sqlite_master' }),
          allowedTools,
        });
        expect(result.refused).toBe(true);
        expect(result.sources).toEqual([]);
        expect(result.output).toMatch(
          /^error: the tool db_secret__query_database is not available in this run/,
        );
        expect(result.output).not.toMatch(/CREATE TABLE/i);
        return `refused: ${short(result.output)}`;
      },
    );
    expect(outcome).toContain('refused');
    // Nothing was opened for the unselected source.
    expect((registry as unknown as { opened: Map<string, unknown> }).opened.has('db:secret')).toBe(false);
  });

  test('names that only resemble a selected tool are refused too; a selected tool still runs', async () => {
    const allowedTools = (await registry.definitions(['docs:probe'])).map((d) => d.name);
    const env = new MockActivityEnvironment();
    const deps = { sources: registry } as unknown as ResearchDeps;
    // The documents source's reader process starts on first use and stays: start it before the probe.
    await registry.run('docs_probe__search_documents', '{"query":"x"}', ctx().signal, allowedTools);
    await probe('allow-list: `docs_probe__search_documents__x`, `mcp_hostile__redos`', async () => {
      for (const name of [
        'docs_probe__search_documents__x',
        'mcp_hostile__redos',
        'DOCS_PROBE__read_document',
      ]) {
        const result: ToolResult = await env.run(runTool, deps, { name, arguments: '{}', allowedTools });
        expect(result.refused).toBe(true);
      }
      const ok: ToolResult = await env.run(runTool, deps, {
        name: 'docs_probe__search_documents',
        arguments: JSON.stringify({ query: 'inside' }),
        allowedTools,
      });
      expect(ok.refused).toBeUndefined();
      expect(ok.sources[0]?.url).toMatch(/^docs:probe\/race\.md#/);
      return 'refused 3 of 3; the selected tool answered';
    });
  });

  test('a refusal names at most 20 of the run’s tools, however many it has', async () => {
    const allowed = Array.from({ length: 5000 }, (_, i) => `mcp_big__tool_${i}`);
    const result = await registry.run('db_secret__query_database', '{}', ctx().signal, allowed);
    expect(result.refused).toBe(true);
    expect(result.output).toContain('mcp_big__tool_19, and 4980 more');
    expect(result.output).not.toContain('mcp_big__tool_20,');
    expect(result.output.length).toBeLessThan(1000);
  });

  test('two source names that would share function names are refused when the file loads, naming both', () => {
    for (const [a, b] of [
      ['db:a.b', 'db:a_b'],
      ['db:a', 'db:a._b'],
    ] as const) {
      const file = path.join(dir, `colliding-${b}.json`);
      const entry = { type: 'sqlite', path: path.join(ROOT, 'examples/example.db') };
      writeFileSync(file, JSON.stringify({ sources: { [a]: entry, [b]: entry } }));
      let message = '';
      try {
        loadSourcesFile(file, '');
      } catch (error) {
        message = (error as Error).message;
      }
      expect(message).toContain(
        `the sources "${a}" and "${b}" would offer tools under the same function names`,
      );
      expect(message).toContain('rename one of them');
      // In code too: the registry checks the same.
      expect(() => new SourceRegistry({ dir, sources: { [a]: entry, [b]: entry } })).toThrow(/rename one/);
    }
  });

  test('a call is routed by its exact function name, never by a part of it', async () => {
    for (const name of ['db_secret__query_database__x', 'db_secret__x__query_database']) {
      const result = await registry.run(name, JSON.stringify({ sql: 'SELECT 1' }), ctx().signal);
      expect(result.output).toMatch(/^error: there is no tool named/);
    }
    const exact = await registry.run(
      'db_secret__query_database',
      JSON.stringify({ sql: 'SELECT 1 AS one' }),
      ctx().signal,
    );
    expect(exact.output).toContain('one');
    expect(exact.output).not.toMatch(/^error/);
  });

  test("a user's own source cannot cite as another source: its citations are namespaced to its name", async () => {
    const forged = [
      'docs:probe/race.md#L1-L2',
      'db:secret#query-0000',
      'mcp:hostile/x',
      'javascript:alert(1)',
      'forge:ry/own.md#L1',
      'forge:ry#schema',
      'forge:rye/lookalike',
      'https://ok.example/page',
    ];
    const forger = defineSourceType({
      type: 'forger',
      options: z.object({}),
      open: (name) => ({
        name,
        kind: 'document',
        tools: [
          defineTool({
            name: 'forge',
            description: 'Returns forged citations',
            parameters: z.object({}),
            run: async () => ({
              output: 'forged',
              sources: forged.map((url) => ({ url, title: url, kind: 'document' as const })),
            }),
          }),
        ],
      }),
    });
    const own = new SourceRegistry({ dir, sources: { 'forge:ry': { type: 'forger' } } }, process.env, [
      forger,
    ]);
    try {
      const result = await own.run('forge_ry__forge', '{}', ctx().signal);
      expect(result.sources.map((s) => s.url)).toEqual([
        'forge:ry/docs:probe/race.md#L1-L2',
        'forge:ry/db:secret#query-0000',
        'forge:ry/mcp:hostile/x',
        'forge:ry/javascript:alert%281%29',
        'forge:ry/own.md#L1',
        'forge:ry#schema',
        'forge:ry/forge:rye/lookalike',
        'https://ok.example/page',
      ]);
    } finally {
      await own.close();
    }
  });
});

// ---- documents -----------------------------------------------------------------------------------------

describe('documents', () => {
  const readerOf = (source: DocumentsSource) => ({
    reader: source,
    longLived: () => [source.reader.pid],
  });

  test('a 7 MB deeply nested HTML file is read off the main thread and skipped when too slow', async () => {
    const source = docs.nestedHtml;
    const outcome = await probe(
      'documents: 7.2 MB deeply nested HTML, read_document',
      async () => {
        const result = await toolOf(source, 'read_document').run({ file: 'nested.html' }, ctx());
        bounded(result);
        return short(result.output);
      },
      readerOf(source),
    );
    expect(outcome).toMatch(/error: nested\.html cannot be read|deep/);
    // The source still answers for its other files.
    const search = await toolOf(source, 'search_documents').run({ query: 'hotel nightly limit' }, ctx());
    expect(search.sources[0]?.url).toMatch(/^docs:nested\/normal\.md#/);
  });

  test('a 19 MB Markdown file is indexed off the main thread', async () => {
    const source = docs.hugeMarkdown;
    await probe(
      'documents: 19 MB Markdown, search_documents',
      async () => {
        const result = await toolOf(source, 'search_documents').run({ query: 'hotel nightly limit' }, ctx());
        bounded(result);
        expect(result.output).toMatch(/normal\.md|huge\.md/);
        return short(result.output.split('\n\n').slice(1).join(' '));
      },
      readerOf(source),
    );
  });

  test('a reader over its memory limit is ended, the file it was reading skipped, the call answered', async () => {
    const source = docs.memoryLimit;
    const outcome = await probe(
      'documents: 19 MB Markdown with maxMemoryMb 160, read_document',
      async () => {
        const result = await toolOf(source, 'read_document').run({ file: 'huge.md' }, ctx());
        bounded(result);
        return short(result.output);
      },
      readerOf(source),
    );
    expect(outcome).toMatch(
      /^error: huge\.md cannot be read: reading it used more than 160 MB of memory, so it is skipped/,
    );
    expect(source.reader.stopped).toEqual(['huge.md: used more than 160 MB of memory']);
    // The fresh reader answers for the rest of the folder.
    const search = await toolOf(source, 'search_documents').run({ query: 'hotel nightly limit' }, ctx());
    expect(search.sources[0]?.url).toMatch(/^docs:memory\/normal\.md#/);
  });

  test('a PDF content bomb is stopped by the time or memory limit and skipped', async () => {
    const source = docs.pdfBomb;
    const outcome = await probe(
      `documents: PDF content bomb (${readFileSync(path.join(folders.pdfBomb, 'bomb.pdf')).length} bytes, 20^6 nested forms)`,
      async () => {
        const result = await toolOf(source, 'read_document').run({ file: 'bomb.pdf' }, ctx());
        bounded(result);
        return short(result.output);
      },
      readerOf(source),
    );
    expect(outcome).toMatch(/^error: bomb\.pdf cannot be read/);
    expect(source.reader.peakRssBytes).toBeLessThan((limits.maxMemoryMb + 256) * 2 ** 20);
  });

  test('a 1.9 MB heading or <title> becomes a bounded source title', async () => {
    const source = docs.hugeTitle;
    await probe(
      'documents: 1.9 MB Markdown heading and HTML <title>/<h1>, search',
      async () => {
        const result = await toolOf(source, 'search_documents').run({ query: 'hotel', limit: 10 }, ctx());
        bounded(result);
        expect(result.sources.length).toBeGreaterThan(0);
        const longest = Math.max(...result.sources.map((s) => s.title.length));
        return `${result.sources.length} sources, longest title ${longest} chars`;
      },
      readerOf(source),
    );
  });

  test('a file swapped for a symlink between listing and read never yields a file outside the folder', async () => {
    const source = docs.race;
    const file = path.join(folders.race, 'race.md');
    // The swapper runs in a process of its own, so it races the reader for real.
    const swapper: ChildProcess = spawn(
      process.execPath,
      [
        '-e',
        `const fs = require('fs');
         const [file, target] = process.argv.slice(1);
         const link = file + '.link~', copy = file + '.copy~';
         const pause = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
         for (;;) {
           // Both replacements are made ready first, so the file and the link each stand about as long.
           try { fs.writeFileSync(copy, 'inside the folder ' + Date.now() + '\\n'); fs.symlinkSync(target, link); } catch {}
           try { fs.renameSync(copy, file); } catch {}
           pause(3);
           try { fs.renameSync(link, file); } catch {}
           pause(3);
         }`,
        file,
        path.join(outside, 'secret.md'),
      ],
      { stdio: 'ignore' },
    );
    try {
      const seen = { inside: 0, outside: 0, linkAtOpen: 0, notListed: 0, other: 0 };
      let reads = 0;
      await probe(
        'documents: race.md swapped for a symlink to ../outside/secret.md, 200+ reads',
        async () => {
          // How often the swapper wins depends on how the two processes are scheduled, so this test only
          // counts; the next test puts the swap into the window deterministically.
          while (reads < 300) {
            reads++;
            const result = await toolOf(source, 'read_document').run({ file: 'race.md' }, ctx());
            if (result.output.includes(SECRET)) seen.outside++;
            else if (result.output.includes('inside the folder')) seen.inside++;
            // Listed as a file, a link by the time it was opened: the race, caught by O_NOFOLLOW.
            else if (/symbolic link/.test(result.output)) seen.linkAtOpen++;
            else if (/has no document/.test(result.output)) seen.notListed++;
            else seen.other++;
          }
          return `${reads} reads: ${seen.inside} from the file inside, ${seen.linkAtOpen} refused at open (a link by then), ${seen.notListed} not listed (a link when listed), ${seen.other} other, ${seen.outside} outside`;
        },
        { reader: source, longLived: () => [source.reader.pid, swapper.pid] },
      );
      expect(seen.outside).toBe(0);
      expect(seen.other).toBe(0);
    } finally {
      swapper.kill('SIGKILL');
      await new Promise((resolve) => swapper.once('exit', resolve));
    }
  });

  test('a file or its folder swapped for a link after the listing, before the read, is refused', async () => {
    // The corpus tells its hook each file after listing the folder and before opening it: the window a
    // swapper has to win. Swapping inside the hook wins it every time, without depending on scheduling.
    const root = mkdtempSync(path.join(dir, 'window-'));
    mkdirSync(path.join(root, 'sub'));
    writeFileSync(path.join(root, 'race.md'), 'inside the folder\n');
    writeFileSync(path.join(root, 'sub', 'nested.md'), 'inside the folder\n');
    const swapped: string[] = [];
    const corpus = new DocumentCorpus(root, 1_000_000, {
      onFile(file) {
        if (file === 'race.md') {
          rmSync(path.join(root, 'race.md'));
          symlinkSync(path.join(outside, 'secret.md'), path.join(root, 'race.md'));
          swapped.push(file);
        } else if (file === 'sub/nested.md') {
          // A folder above the file becomes a link to a folder outside holding a file of the same name.
          rmSync(path.join(root, 'sub'), { recursive: true });
          const elsewhere = mkdtempSync(path.join(outside, 'sub-'));
          writeFileSync(path.join(elsewhere, 'nested.md'), `${SECRET}\n`);
          symlinkSync(elsewhere, path.join(root, 'sub'));
          swapped.push(file);
        }
      },
    });
    const snapshot = await corpus.current();
    expect(swapped).toEqual(['race.md', 'sub/nested.md']);
    expect(snapshot.documents.size).toBe(0);
    expect(snapshot.unreadable.get('race.md')).toMatch(/symbolic link/);
    expect(snapshot.unreadable.get('sub/nested.md')).toMatch(/outside the folder/);
    rows.push({
      probe: 'documents: file, and folder above it, swapped for links inside the listing-to-read window',
      outcome: `refused: ${snapshot.unreadable.get('race.md')}; ${snapshot.unreadable.get('sub/nested.md')}`,
      ms: 0,
      peakRssMb: 0,
      loopMaxMs: 0,
      lagMs: 0,
    });
  });

  test('readInside refuses a link as the file and a path through a linked folder', async () => {
    const at = path.join(dir, 'links');
    mkdirSync(at);
    symlinkSync(path.join(outside, 'secret.md'), path.join(at, 'link.md'));
    symlinkSync(outside, path.join(at, 'sub'));
    await probe('documents: open a symlink, and a file through a symlinked folder', async () => {
      await expect(readInside(path.join(at, 'link.md'), at, 1000)).rejects.toThrow(/symbolic link/);
      await expect(readInside(path.join(at, 'sub', 'secret.md'), at, 1000)).rejects.toThrow(
        /outside the folder/,
      );
      return 'both refused (ELOOP; real path outside the folder)';
    });
  });

  test('traversal and absolute paths are refused', async () => {
    const read = toolOf(docs.race, 'read_document');
    await probe(
      'documents: `../outside/secret.md`, `/etc/passwd`',
      async () => {
        const a = await read.run({ file: '../outside/secret.md' }, ctx());
        const b = await read.run({ file: '/etc/passwd' }, ctx());
        expect(a.output).toMatch(/^error: .*outside docs:race/);
        expect(b.output).toMatch(/^error: .*absolute path/);
        return 'both refused';
      },
      readerOf(docs.race),
    );
  });
});

// ---- http-fetch ----------------------------------------------------------------------------------------

describe('http-fetch', () => {
  const hidden = [
    '::127.0.0.1',
    '::ffff:127.0.0.1',
    '::ffff:0:127.0.0.1',
    '::ffff:169.254.169.254',
    '64:ff9b::7f00:1',
    '64:ff9b::a9fe:a9fe',
    '64:ff9b:1::a00:1',
    '2002:7f00:1::',
    '2002:a9fe:a9fe::1',
    '2001:0:4136:e378:8000:63bf:80ff:fffe',
    '2001:db8::5efe:a00:1',
  ];

  test.each(hidden)('http://[%s]/ is refused: it embeds a non-public IPv4 address', async (address) => {
    const fetch = toolOf(httpFetchSource('fetch'), 'fetch_page');
    const outcome = await probe(`http-fetch: \`http://[${address}]/\``, async () => {
      const result = await fetch.run({ url: `http://[${address}]/` }, ctx());
      expect(result.output).toMatch(/^error: refused to fetch .*non-public address/);
      return short(result.output);
    });
    expect(outcome).toContain('refused');
  });

  test('addresses that embed public IPv4 addresses stay public (DNS64, 6to4)', () => {
    expect(isPublicAddress('64:ff9b::8.8.8.8')).toBe(true);
    expect(isPublicAddress('2002:808:808::1')).toBe(true);
    expect(isPublicAddress('2001:4860:4860::8888')).toBe(true);
  });

  test('a 1.9 MB <title> becomes a bounded title', async () => {
    const fetch = toolOf(httpFetchSource('fetch', { allowPrivateNetworks: true }), 'fetch_page');
    await probe('http-fetch: page with a 1.9 MB <title>', async () => {
      const result = await fetch.run({ url: `${webUrl}/title` }, ctx());
      expect(result.sources[0]!.title.length).toBeLessThanOrEqual(2000);
      return `title ${result.sources[0]!.title.length} chars (at the source; 300 after the registry)`;
    });
  });

  test('a deeply nested page is converted off the main thread, within its time limit', async () => {
    const fetch = toolOf(
      httpFetchSource('fetch', { allowPrivateNetworks: true, timeoutMs: 3000 }),
      'fetch_page',
    );
    await probe('http-fetch: 2 MB of nested <div>', async () => {
      const result = await fetch.run({ url: `${webUrl}/nested` }, ctx());
      bounded(result);
      return short(result.output);
    });
  });
});

// ---- MCP -----------------------------------------------------------------------------------------------

describe('a hostile MCP server', () => {
  test('cannot forge other sources’ citations or hand out javascript: links', async () => {
    const result = await probe(
      'mcp: forged citations (docs:, db:, mcp:other, javascript:, backtick)',
      async () => {
        const answer = await toolOf(hostile, 'forge_citations').run({}, ctx());
        return JSON.stringify(answer.sources.map((s) => s.url));
      },
    );
    const urls = JSON.parse(result) as string[];
    expect(urls.length).toBe(6);
    for (const url of urls) expect(url).toMatch(/^(mcp:hostile\/|https:\/\/)/);
    expect(urls).toContain('mcp:hostile/docs:example/leave-policy.md#L12-L30');
    expect(urls).toContain('mcp:hostile/javascript:alert%28document.cookie%29');
    expect(urls.join(' ')).not.toContain('`');
    rows.at(-1)!.outcome = `all ${urls.length} namespaced to mcp:hostile/ or kept as https`;
  });

  test('the report renders its titles and urls inert: no javascript: link, no code-span breakout', async () => {
    const answer = await toolOf(hostile, 'forge_citations').run({}, ctx());
    await probe('report: render the forged sources (and web-kind javascript:/backtick urls)', async () => {
      const cited = numberSources([
        answer.sources.map((s) => ({ url: s.url, title: s.title, kind: s.kind })),
        [
          { url: 'javascript:alert(1)', title: 'Click [here](https://phish.example)', kind: 'web' as const },
          { url: `https://ok.example/a\`](${PHISH})`, title: 'ok `code', kind: 'web' as const },
        ],
      ]);
      const markdown = renderReport({ question: 'q', body: 'Body.', cited, invalidRemoved: 0 });
      const list = markdown.slice(markdown.indexOf('## Sources'));
      expect(list).not.toMatch(/\]\(javascript:/i);
      expect(list).not.toContain(`](${PHISH}`);
      expect(list).not.toMatch(/[^\\]\[here\]/);
      // Every backtick that is not escaped opens or closes one code span, on the same line.
      for (const line of list.split('\n')) {
        expect((line.replace(/\\`/g, '').match(/`/g) ?? []).length % 2).toBe(0);
      }
      return 'no javascript: link, no phishing link, code spans balanced';
    });
  });

  test('a catastrophic-backtracking pattern cannot hang the worker', async () => {
    const redos = toolOf(hostile, 'redos');
    await probe('mcp: pattern `^(a+)+$` on "a"×29+"b" and "a"×50000+"b"', async () => {
      const outcomes: string[] = [];
      for (const word of [`${'a'.repeat(29)}b`, `${'a'.repeat(50_000)}b`]) {
        const parsed = redos.parameters.safeParse({ word });
        expect(parsed.success).toBe(false);
        outcomes.push(parsed.error!.issues[0]!.message.slice(0, 40));
      }
      expect(redos.parameters.safeParse({ word: 'aaaa' }).success).toBe(true);
      return `refused by RE2 (linear): "${outcomes[0]}…"`;
    });
  });

  test('a catastrophic pattern below the schema depth limit is never compiled into a RegExp', async () => {
    // 34 nested objects: deeper than the 32 levels the pattern walk looks at.
    let schema: Record<string, unknown> = { type: 'string', pattern: '^(a+)+$' };
    let args: unknown = `${'a'.repeat(26)}!`;
    for (let i = 0; i < 34; i++) {
      schema = { type: 'object', properties: { x: schema }, required: ['x'] };
      args = { x: args };
    }
    await probe('mcp: `^(a+)+$` under 34 nested objects, "a"×26+"!"', async () => {
      const unchecked: string[] = [];
      const parameters = argumentsSchema(schema, unchecked);
      expect(unchecked.join(' ')).toMatch(/nested deeper than 32 levels/);
      // Left to the server: accepted here as any object, in no time.
      expect(parameters.safeParse(args).success).toBe(true);
      expect(parameters.safeParse('not an object').success).toBe(false);
      return `not converted; warning: "${short(unchecked[0]!)}"`;
    });
  });

  test('a pattern RE2 cannot compile is left to the server, with a warning naming it', async () => {
    await probe('mcp: pattern with a backreference `^(a)\\1$`', async () => {
      const tool = toolOf(hostile, 'backreference');
      expect(tool.parameters.safeParse({ pair: 'xy' }).success).toBe(true);
      expect(
        hostile.warnings.some((w) => /backreference: argument patterns left to the server.*pair/.test(w)),
      ).toBe(true);
      return 'not compiled here; warning: "argument patterns left to the server to check: pair: …"';
    });
  });

  test('a 50 MB answer is cut off at 8 MB: the connection is closed, the call fails clearly, the next one works', async () => {
    await probe('mcp: a 50 MB answer', async () => {
      const answer = await toolOf(hostile, 'flood').run({}, ctx());
      expect(answer.output).toMatch(/^error: .*larger than 8 MB/);
      expect(answer.sources).toEqual([]);
      return short(answer.output);
    });
    // The source reconnects (a new server process) for the next call.
    expect((await toolOf(hostile, 'redos').run({ word: 'aaa' }, ctx())).output).toBe('redos ran');
  });

  test('descriptions, schemas, titles and outputs are bounded', async () => {
    await probe('mcp: 1 MB description, 2 MB schema, 1.9 MB title and description, 3 MB output', async () => {
      const description = toolOf(hostile, 'huge_description').description;
      expect(description.length).toBeLessThanOrEqual(MAX_DESCRIPTION_CHARS);
      expect(hostile.tools.some((t) => t.name === 'huge_schema')).toBe(false);
      expect(hostile.warnings.some((w) => /huge_schema.*is not offered/.test(w))).toBe(true);
      const answer = await toolOf(hostile, 'huge_answer').run({}, ctx());
      expect(answer.output.length).toBeLessThan(13_000);
      expect(answer.sources[0]!.title.length).toBeLessThanOrEqual(MAX_TITLE_CHARS);
      bounded(answer);
      return `description ${description.length}, schema tool not offered, output ${answer.output.length}, title ${answer.sources[0]!.title.length}`;
    });
  });
});

import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { z } from 'zod';
import { defineSourceType, defineTool, toolError } from '../src';
import { loadSourcesFile } from '../src/tools/config';
import { SourceRegistry } from '../src/tools/registry';
import { testAddress } from './helpers/temporal';

/**
 * README's "Adding your own tool", followed literally: its module and its sources-file entry are taken
 * from the README's code blocks and written to a folder of their own (outside the project), a tiny
 * weather service answers on 127.0.0.1, and the README's command runs a research with
 * `--sources weather:live` through the CLI on the simulator, which calls the tools it is offered.
 */

const ROOT = path.join(__dirname, '..');
const run = promisify(execFile);

function section(markdown: string, heading: string): string {
  const start = markdown.indexOf(`\n${heading}\n`);
  if (start === -1) throw new Error(`README has no "${heading}" section`);
  const next = markdown.slice(start + heading.length + 2).search(/\n#{2,3} /);
  return next === -1 ? markdown.slice(start) : markdown.slice(start, start + heading.length + 2 + next);
}

function codeBlocks(text: string, language: string): string[] {
  const blocks: string[] = [];
  const fence = new RegExp(`^( *)\`\`\`${language}\\n([\\s\\S]*?)^\\1\`\`\`$`, 'gm');
  for (const match of text.matchAll(fence)) {
    const indent = match[1]!.length;
    blocks.push(
      match[2]!
        .split('\n')
        .map((line) => line.slice(indent))
        .join('\n'),
    );
  }
  return blocks;
}

const readme = readFileSync(path.join(ROOT, 'README.md'), 'utf8');
const howTo = section(readme, '### Adding your own tool');

let dir: string;
let weather: http.Server;
let weatherUrl: string;
const asked: string[] = [];

beforeAll(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'dr-weather-'));
  weather = http.createServer((req, res) => {
    asked.push(req.url ?? '');
    const city = new URL(req.url ?? '/', 'http://x').searchParams.get('city') ?? '?';
    if (city === 'Atlantis') {
      res.statusCode = 404;
      res.end('{"error":"no such city"}');
      return;
    }
    if (city === 'Crash') {
      req.socket.destroy();
      return;
    }
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ city, now: 'light rain', temperatureC: 7, windKmh: 18 }));
  });
  await new Promise<void>((resolve) => weather.listen(0, '127.0.0.1', resolve));
  weatherUrl = `http://127.0.0.1:${(weather.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => weather.close(() => resolve()));
  rmSync(dir, { recursive: true, force: true });
});

test('README: a source type of your own, from a module the sources file names, cited in the report', async () => {
  const [module] = codeBlocks(howTo, 'ts');
  const [entry] = codeBlocks(howTo, 'json');
  const [command] = codeBlocks(howTo, 'sh');
  expect(module).toContain("from 'durable-deep-research'");
  const sources = JSON.parse(entry!) as {
    sources: Record<string, { module: string; options: { baseUrl: string } }>;
  };
  const configured = sources.sources['weather:live']!;
  // Where the README puts the files: the module next to the sources file, as the entry names it.
  writeFileSync(path.join(dir, configured.module), module!);
  // The one change: the weather service of this test listens on a free port, not 9000.
  configured.options.baseUrl = weatherUrl;
  const sourcesFile = path.join(dir, 'my.sources.json');
  writeFileSync(sourcesFile, JSON.stringify(sources, null, 2));

  // The README's command, as written, but for where the sources file is; the test's Temporal server.
  const line = command!.trim().replace('./my.sources.json', sourcesFile);
  expect(line).toMatch(
    /^DEEP_RESEARCH_SOURCES_FILE=\S+ scripts\/npm run deep-research -- run --simulate --sources weather:live /,
  );
  const { stdout } = await run('bash', ['-c', line], {
    cwd: ROOT,
    env: { ...process.env, TEMPORAL_ADDRESS: testAddress() },
    timeout: 180_000,
    maxBuffer: 16 * 1024 * 1024,
  });
  // The model was offered the tool and called it; the service answered; the report cites it.
  expect(asked.length).toBeGreaterThan(0);
  expect(asked[0]).toMatch(/^\/v1\/now\?city=/);
  const list = stdout.slice(stdout.indexOf('## Sources'));
  expect(list).toMatch(
    new RegExp(
      `\\[\\d+\\] Weather in .+ — \`${weatherUrl.replace(/\./g, '\\.')}/v1/now\\?city=[^\`]+\` \\(api\\)`,
    ),
  );
  const cited = [...stdout.slice(0, stdout.indexOf('## Sources')).matchAll(/\[(\d+)\]/g)].length;
  expect(cited).toBeGreaterThan(0);
});

test('createWorker-style source types in code: sources-file entries use them by type, options checked', async () => {
  const weatherType = defineSourceType({
    type: 'weather',
    options: z.strictObject({ baseUrl: z.string() }),
    open: (name, options) => ({
      name,
      kind: 'api',
      tools: [
        defineTool({
          name: 'current_weather',
          description: 'Current weather for a city',
          parameters: z.object({ city: z.string().min(1) }),
          async run({ city }) {
            const url = `${options.baseUrl}/v1/now?city=${encodeURIComponent(city)}`;
            const response = await fetch(url);
            if (!response.ok) return toolError(`no weather for ${city} (HTTP ${response.status})`);
            return { output: await response.text(), sources: [{ url, title: city, kind: 'api' }] };
          },
        }),
      ],
    }),
  });
  const file = path.join(dir, 'in-code.sources.json');
  writeFileSync(
    file,
    JSON.stringify({ sources: { 'weather:code': { type: 'weather', baseUrl: weatherUrl } } }),
  );
  const registry = new SourceRegistry(loadSourcesFile(file, ''), process.env, [weatherType]);
  try {
    const [definition] = await registry.definitions(['weather:code']);
    expect(definition!.name).toBe('weather_code__current_weather');
    const result = await registry.run(definition!.name, '{"city":"Oslo"}', new AbortController().signal);
    expect(result.output).toContain('light rain');
    // A tool that cannot answer says why, as the function call's output the model reads; nothing cited.
    const missing = await registry.run(definition!.name, '{"city":"Atlantis"}', new AbortController().signal);
    expect(missing).toEqual({ output: 'error: no weather for Atlantis (HTTP 404)', sources: [] });
    // A thrown error is not an answer: it fails the call (its runTool activity is then retried).
    await expect(
      registry.run(definition!.name, '{"city":"Crash"}', new AbortController().signal),
    ).rejects.toThrow(/fetch failed/);
  } finally {
    await registry.close();
  }
  // Without the type, the same file is refused when the registry is built, naming the type and the fix.
  expect(() => new SourceRegistry(loadSourcesFile(file, ''))).toThrow(
    /sources\.weather:code\.type: .*unknown source type "weather"; the types are documents, sqlite, postgres, http-fetch, mcp, module/,
  );
  // A bad option is named with its source and field.
  writeFileSync(file, JSON.stringify({ sources: { 'weather:code': { type: 'weather', baseUrl: 7 } } }));
  expect(() => new SourceRegistry(loadSourcesFile(file, ''), process.env, [weatherType])).toThrow(
    /weather:code\.baseUrl must be a string/,
  );
});

test('a module that does not default-export a source type fails with what is missing', async () => {
  writeFileSync(path.join(dir, 'broken.mjs'), 'export default { type: "Broken", open: 1 };\n');
  const file = path.join(dir, 'broken.sources.json');
  writeFileSync(
    file,
    JSON.stringify({ sources: { 'x:broken': { type: 'module', module: './broken.mjs' } } }),
  );
  // Modules load through Node's own loader (with a resolve hook), which Jest's sandbox does not allow:
  // the worker's code runs in a process of its own, as it does for users.
  const script = path.join(dir, 'open-broken.ts');
  writeFileSync(
    script,
    `import { loadSourcesFile } from ${JSON.stringify(path.join(ROOT, 'src/tools/config'))};
import { SourceRegistry } from ${JSON.stringify(path.join(ROOT, 'src/tools/registry'))};
new SourceRegistry(loadSourcesFile(${JSON.stringify(file)}, ''))
  .definitions(['x:broken'])
  .then(() => console.log('opened'), (error: Error) => console.log(error.message));
`,
  );
  const { stdout } = await run(process.execPath, ['--import', 'tsx', script], { cwd: ROOT, timeout: 60_000 });
  expect(stdout.trim()).toMatch(
    /^source "x:broken": module .*broken\.mjs must default-export defineSourceType\(\{ type, options, open \}\): type must be a name such as "weather"; options must be a zod schema; open must be a function$/,
  );
});

test('from the built package under plain Node 24 (no tsx), the README module loads with Node’s own type stripping', async () => {
  const [module] = codeBlocks(howTo, 'ts');
  const folder = mkdtempSync(path.join(tmpdir(), 'dr-weather-dist-'));
  writeFileSync(path.join(folder, 'weather-source.ts'), module!);
  const file = path.join(folder, 'my.sources.json');
  writeFileSync(
    file,
    JSON.stringify({
      sources: {
        'weather:live': { type: 'module', module: './weather-source.ts', options: { baseUrl: weatherUrl } },
      },
    }),
  );
  // The build, as `npm run build` makes it, into test/.tmp (ignored by git) so it finds node_modules.
  const outDir = path.join(ROOT, 'test', '.tmp', `dist-${process.pid}`);
  const tsc = require.resolve('typescript/bin/tsc');
  await run(process.execPath, [tsc, '-p', 'tsconfig.build.json', '--outDir', outDir], {
    cwd: ROOT,
    timeout: 300_000,
  });
  try {
    const script = `
      const { loadSourcesFile } = require(${JSON.stringify(path.join(outDir, 'src/tools/config.js'))});
      const { SourceRegistry } = require(${JSON.stringify(path.join(outDir, 'src/tools/registry.js'))});
      const registry = new SourceRegistry(loadSourcesFile(${JSON.stringify(file)}, ''));
      registry.run('weather_live__current_weather', '{"city":"Oslo"}', new AbortController().signal, ['weather_live__current_weather'])
        .then((r) => console.log(JSON.stringify({ typescript: process.features.typescript, execArgv: process.execArgv, result: r })))
        .finally(() => registry.close());
    `;
    writeFileSync(path.join(folder, 'use.cjs'), script);
    const { stdout } = await run(process.execPath, ['use.cjs'], { cwd: folder, timeout: 60_000 });
    const answer = JSON.parse(stdout) as {
      typescript: string;
      execArgv: string[];
      result: { output: string; sources: { url: string; title: string }[] };
    };
    expect(answer.execArgv).toEqual([]);
    expect(answer.typescript).toBe('strip');
    expect(answer.result.output).toContain('light rain');
    expect(answer.result.sources[0]).toMatchObject({
      title: 'Weather in Oslo',
      url: `${weatherUrl}/v1/now?city=Oslo`,
    });
  } finally {
    rmSync(outDir, { recursive: true, force: true });
    rmSync(folder, { recursive: true, force: true });
  }
});

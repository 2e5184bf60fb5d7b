import type { OpenAISettings } from '../config';

/** Header the built-in simulator sends on every answer, so a worker can tell (and reports can say) it is simulated. */
export const SIMULATOR_HEADER = 'x-simulator';

/** Asks the provider once, at worker start; real OpenAI never sends the header. */
export async function isSimulator(settings: OpenAISettings): Promise<boolean> {
  try {
    const answer = await fetch(`${settings.baseURL.replace(/\/$/, '')}/models`, {
      headers: { authorization: `Bearer ${settings.apiKey}` },
      signal: AbortSignal.timeout(5_000),
    });
    await answer.body?.cancel();
    return answer.headers.has(SIMULATOR_HEADER);
  } catch {
    return false;
  }
}

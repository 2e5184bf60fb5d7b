import { ConfigError, loadWorkerSettings } from '../src/config';

/** Worker configuration from the environment: defaults, and errors that name the variable to fix. */

test('defaults: local Temporal, the deep-research queue, OpenAI, gpt-5.5 to plan and write, gpt-5.4 to research', () => {
  const settings = loadWorkerSettings({ OPENAI_API_KEY: 'sk-test' });
  expect(settings.temporal).toEqual({
    address: '127.0.0.1:7233',
    namespace: 'default',
    taskQueue: 'deep-research',
  });
  expect(settings.openai.baseURL).toBe('https://api.openai.com/v1');
  expect(settings.models).toEqual({ planner: 'gpt-5.5', researcher: 'gpt-5.4', writer: 'gpt-5.5' });
  expect(settings.poll).toMatchObject({ initialMs: 500, maxMs: 5000, factor: 1.4 });
});

test.each([
  [{}, 'OPENAI_API_KEY'],
  [{ OPENAI_API_KEY: 'k', OPENAI_BASE_URL: 'not a url' }, 'OPENAI_BASE_URL'],
  [{ OPENAI_API_KEY: 'k', DEEP_RESEARCH_POLL_INITIAL_MS: 'soon' }, 'DEEP_RESEARCH_POLL_INITIAL_MS'],
  [
    { OPENAI_API_KEY: 'k', DEEP_RESEARCH_MAX_CONCURRENT_ACTIVITIES: '0' },
    'DEEP_RESEARCH_MAX_CONCURRENT_ACTIVITIES',
  ],
  [
    { OPENAI_API_KEY: 'k', DEEP_RESEARCH_POLL_INITIAL_MS: '900', DEEP_RESEARCH_POLL_MAX_MS: '100' },
    'DEEP_RESEARCH_POLL_MAX_MS',
  ],
  [
    { OPENAI_API_KEY: 'k', DEEP_RESEARCH_PRICES_FILE: '/nonexistent/prices.json' },
    'DEEP_RESEARCH_PRICES_FILE',
  ],
  [
    { OPENAI_API_KEY: 'k', DEEP_RESEARCH_SOURCES_FILE: '/nonexistent/sources.json' },
    'DEEP_RESEARCH_SOURCES_FILE: cannot read /nonexistent/sources.json as JSON',
  ],
])('%j is refused naming %s', (env, variable) => {
  expect(() => loadWorkerSettings(env)).toThrow(ConfigError);
  expect(() => loadWorkerSettings(env)).toThrow(variable);
});

test('a missing key explains both ways forward: a real key or the simulator', () => {
  expect(() => loadWorkerSettings({})).toThrow(/OPENAI_API_KEY[\s\S]*simulator/);
});

test('each bad variable is one line that names it and says what it must be', () => {
  expect(() =>
    loadWorkerSettings({
      OPENAI_API_KEY: 'k',
      DEEP_RESEARCH_MAX_CONCURRENT_ACTIVITIES: '0',
      DEEP_RESEARCH_POLL_INITIAL_MS: 'soon',
    }),
  ).toThrow(
    'Invalid configuration:\n- DEEP_RESEARCH_MAX_CONCURRENT_ACTIVITIES must be at least 1\n' +
      '- DEEP_RESEARCH_POLL_INITIAL_MS must be a number (got NaN)',
  );
});

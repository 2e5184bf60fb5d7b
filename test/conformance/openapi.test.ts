import {
  describeWithReference,
  loadRecordings,
  RELAXATIONS,
  SpecValidator,
  specValidator,
  type Recording,
} from '../helpers/openapi';

/**
 * The validator the conformance suites rely on, checked against the real API: it must accept everything
 * OpenAI actually sent (and every request it accepted) in `recorded/`, each of its relaxations of the spec
 * must be needed by the recording it names, and it must still reject what is plainly wrong.
 */

interface Checked {
  label: string;
  schema: string;
  value: unknown;
}

/** Every body in the recordings that has a schema to check, labelled `file#exchange`. */
function recordedValues(recordings: Recording[]): Checked[] {
  const out: Checked[] = [];
  for (const recording of recordings) {
    recording.interactions.forEach((exchange, i) => {
      const label = `${recording.file}#${i}`;
      const { request, response } = exchange;
      const isResponses = request.uri.startsWith('/v1/responses');
      // A request the API accepted must be valid; a refused one may be refused for what the spec forbids.
      if (
        isResponses &&
        request.method === 'POST' &&
        request.uri === '/v1/responses' &&
        response.status < 400
      )
        out.push({ label: `${label} request`, schema: 'CreateResponse', value: request.body });
      if (response.status >= 400) {
        out.push({ label: `${label} error`, schema: 'ErrorResponse', value: response.body });
      } else if (Array.isArray(response.body)) {
        response.body.forEach((event, n) =>
          out.push({ label: `${label} event ${n}`, schema: 'ResponseStreamEvent', value: event }),
        );
      } else if ((response.body as { object?: unknown } | null)?.object === 'response') {
        out.push({ label: `${label} response`, schema: 'Response', value: response.body });
      }
    });
  }
  return out;
}

function check(validator: SpecValidator, item: Checked): string[] {
  const result =
    item.schema === 'ResponseStreamEvent'
      ? validator.validateStreamEvent(item.value)
      : validator.validate(item.schema, item.value);
  return result.errors;
}

describeWithReference('the OpenAPI validator against the recordings', () => {
  const recordings = loadRecordings();
  const values = recordedValues(recordings);

  test('reads the 41 recordings: requests, responses, stream events and error bodies', () => {
    expect(recordings.length).toBeGreaterThanOrEqual(41);
    const counts = values.reduce<Record<string, number>>((acc, v) => {
      acc[v.schema] = (acc[v.schema] ?? 0) + 1;
      return acc;
    }, {});
    expect(counts['CreateResponse']).toBeGreaterThan(40);
    expect(counts['Response']).toBeGreaterThan(30);
    expect(counts['ResponseStreamEvent']).toBeGreaterThan(200);
    expect(counts['ErrorResponse']).toBeGreaterThan(8);
  });

  test('accepts every body the real API sent and every request it accepted', () => {
    const validator = specValidator();
    const failures = values
      .map((item) => ({ label: item.label, errors: check(validator, item) }))
      .filter((f) => f.errors.length > 0);
    expect(failures).toEqual([]);
  });

  test.each(RELAXATIONS.map((r) => [r.why, r] as const))(
    'each relaxation is needed by its recording: %s',
    (_why, relaxation) => {
      const recording = recordings.find((r) => r.file === relaxation.recording);
      expect(recording).toBeDefined();
      const without = new SpecValidator(RELAXATIONS.filter((r) => r !== relaxation));
      const rejected = recordedValues(recording ? [recording] : []).filter(
        (item) => check(without, item).length > 0,
      );
      expect(rejected.length).toBeGreaterThan(0);
    },
  );

  test('rejects what is plainly wrong', () => {
    const validator = specValidator();
    const response = recordings
      .flatMap((r) => r.interactions)
      .map((x) => x.response.body as Record<string, unknown>)
      .find((body) => body?.['object'] === 'response' && body['status'] === 'completed');
    expect(validator.validate('Response', response).valid).toBe(true);
    expect(validator.validate('Response', { ...response, status: 'done' }).errors).toContain(
      '/status: must be equal to one of the allowed values {"allowedValues":["completed","failed","in_progress","cancelled","queued","incomplete"]}',
    );
    const { id: _id, ...withoutId } = response ?? {};
    expect(validator.validate('Response', withoutId).valid).toBe(false);
    expect(validator.validate('ErrorResponse', { error: { message: 'x', type: 'y' } }).valid).toBe(false);
    expect(validator.validateStreamEvent({ type: 'response.thinking', sequence_number: 1 }).errors).toEqual([
      '(root): stream event type "response.thinking" is not in the spec',
    ]);
    expect(
      validator.validate('CreateResponse', { model: 'gpt-5.2', input: 'hi', temperature: 3 }).valid,
    ).toBe(false);
    expect(
      validator.validate('CreateResponse', {
        model: 'gpt-5.2',
        input: 'hi',
        reasoning: { effort: 'extreme' },
      }).valid,
    ).toBe(false);
  });
});

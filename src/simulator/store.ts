import type {
  FaultName,
  OutputFaultName,
  ResponseFaultName,
  SimulatorConfig,
  SimulatorStats,
} from './config';
import { faultNameSchema, OUTPUT_FAULTS } from './config';
import { invalidRequest, responseNotFound } from './errors';
import { readInput } from './generate/analysis';
import { applyOutputFault } from './generate/bad-output';
import { outputEvents } from './generate/sse';
import { generateOutput, incompleteOutput, type ChainContext } from './generate/output';
import { newId } from './ids';
import type { Rng } from './random';
import type { CreateRequest } from './request';
import { itemsAsIncluded, TERMINAL_STATUSES, toWireResponse } from './response-object';
import type { Fate, ResponseStatus, StoredResponse, TimedEvent } from './store-types';
import type { OutputItem, UnnumberedEvent, WireResponse } from './wire';

/**
 * Stored responses and their lifecycle. Status is computed from the clock (queued for the first ~10% of
 * the latency, then in_progress, then terminal), so no timer runs per response.
 */

const QUEUED_FRACTION = 0.1;

const OUTPUT_FAULT_SET: ReadonlySet<string> = new Set(OUTPUT_FAULTS);

function isOutputFault(fault: ResponseFaultName): fault is OutputFaultName {
  return OUTPUT_FAULT_SET.has(fault);
}

export interface RequestCounters {
  requests: number;
  retrieves: number;
  cancels: number;
  deletes: number;
  faultsInjected: Record<FaultName, number>;
}

function emptyCounters(): RequestCounters {
  return {
    requests: 0,
    retrieves: 0,
    cancels: 0,
    deletes: 0,
    faultsInjected: Object.fromEntries(faultNameSchema.options.map((name) => [name, 0])) as Record<
      FaultName,
      number
    >,
  };
}

export function statusAt(record: StoredResponse, now: number): ResponseStatus {
  if (record.cancelledAtMs !== undefined && record.cancelledAtMs <= now) return 'cancelled';
  if (now < record.queuedUntilMs) return 'queued';
  if (now < record.finishAtMs) return 'in_progress';
  return record.fate === 'stuckQueued' ? 'queued' : record.fate;
}

const FAILURE_MESSAGE =
  'An error occurred while processing your request. You can retry your request, or contact us through our help ' +
  'center at help.openai.com if the error persists.';

export class ResponseStore {
  private records = new Map<string, StoredResponse>();
  counters: RequestCounters = emptyCounters();

  constructor(
    private readonly config: () => SimulatorConfig,
    private readonly latencyRng: () => Rng,
  ) {}

  reset(): void {
    for (const record of this.records.values()) this.notify(record);
    this.records.clear();
    this.counters = emptyCounters();
  }

  countFault(fault: FaultName): void {
    this.counters.faultsInjected[fault]++;
  }

  /** A response that can be seen through the API (not deleted, stored). */
  find(id: string): StoredResponse {
    const record = this.records.get(id);
    // A background response is polled by id even when it was not stored (`store: false` as answered).
    if (!record || record.deleted || !(record.request.store || record.request.background))
      throw responseNotFound(id);
    return record;
  }

  /** Any response ever created, for the test hooks (`requestBody`). */
  peek(id: string): StoredResponse | undefined {
    return this.records.get(id);
  }

  /** The Response as a request with this `include` sees it (the create's own, unless a poll names its own). */
  wire(record: StoredResponse, now = Date.now(), include = record.request.include): WireResponse {
    return toWireResponse(record, statusAt(record, now), include);
  }

  private chainFor(req: CreateRequest, now: number): ChainContext {
    const callIdsInInput = new Set<string>();
    const outputIds: string[] = [];
    if (Array.isArray(req.input)) {
      for (const item of req.input) {
        if (item['type'] === 'function_call' && typeof item['call_id'] === 'string')
          callIdsInInput.add(item['call_id']);
        if (item['type'] === 'function_call_output') {
          const callId = item['call_id'];
          if (typeof callId !== 'string' || !callId) {
            throw invalidRequest(
              "Missing required parameter: 'input[].call_id'.",
              'input',
              'missing_required_parameter',
            );
          }
          outputIds.push(callId);
        }
      }
    }
    let previousOutput: OutputItem[] = [];
    let previousTokens = 0;
    let toolRounds = 0;
    let contextText = '';
    if (req.previousResponseId) {
      const previous = this.records.get(req.previousResponseId);
      if (!previous || previous.deleted || !previous.request.store) {
        throw invalidRequest(
          `Previous response with id '${req.previousResponseId}' not found.`,
          'previous_response_id',
          'previous_response_not_found',
        );
      }
      const status = statusAt(previous, now);
      if (status === 'completed' || status === 'incomplete') {
        previousOutput = previous.finalItems;
        const usage = previous.finalUsage;
        previousTokens = usage ? usage.input_tokens + usage.output_tokens : 0;
      }
      // Count consecutive tool rounds up the chain, so that a loop of calls ends after a few rounds.
      const ancestors = this.ancestors(previous);
      toolRounds = ancestors.findIndex((r) => !r.finalItems.some((item) => item.type === 'function_call'));
      if (toolRounds < 0) toolRounds = ancestors.length;
      // The nearest user text up the chain (tool outputs alone carry no topic).
      contextText =
        ancestors.map((r) => readInput(r.request.input).userText).find((text) => text.trim()) ?? '';
    }
    const calls = previousOutput.filter((item) => item.type === 'function_call');
    for (const callId of outputIds) {
      if (!callIdsInInput.has(callId) && !calls.some((call) => call.call_id === callId)) {
        throw invalidRequest(`No tool call found for function call output with call_id ${callId}.`, 'input');
      }
    }
    const unanswered = calls.find((call) => !outputIds.includes(call.call_id));
    if (unanswered) {
      throw invalidRequest(`No tool output found for function call ${unanswered.call_id}.`, 'input');
    }
    return { previousOutput, previousTokens, toolRounds, contextText };
  }

  /** A response and those before it via `previous_response_id`, nearest first (bounded, in case of cycles). */
  private ancestors(start: StoredResponse): StoredResponse[] {
    const chain: StoredResponse[] = [];
    for (let r: StoredResponse | undefined = start; r && chain.length < 50;) {
      chain.push(r);
      const parent: string | null = r.request.previousResponseId;
      r = parent ? this.records.get(parent) : undefined;
    }
    return chain;
  }

  private latencyFor(): number {
    const { latencyMs, jitter } = this.config();
    return Math.max(0, latencyMs * (1 + jitter * (2 * this.latencyRng().next() - 1)));
  }

  /** Validates the chain, generates the output and schedules the lifecycle. Throws ApiError (400). */
  create(req: CreateRequest, fault: ResponseFaultName | null, now = Date.now()): StoredResponse {
    const chain = this.chainFor(req, now);
    const normal = generateOutput(req, chain, this.config().inventedCitations);
    // An output fault changes what the response says; it still ends as any response would.
    const outputFault = fault !== null && isOutputFault(fault) ? fault : null;
    const lifecycleFault = fault !== null && !isOutputFault(fault) ? fault : null;
    const generated = outputFault ? applyOutputFault(req, normal, outputFault) : normal;
    const latency = this.latencyFor();
    let fate: Fate = lifecycleFault ?? 'completed';
    let finalItems = generated.items;
    let finalUsage = generated.usage;
    let incompleteReason: StoredResponse['incompleteReason'] = null;
    if (
      fate === 'completed' &&
      req.maxOutputTokens !== null &&
      generated.usage.output_tokens > req.maxOutputTokens
    ) {
      fate = 'incomplete';
    }
    if (fate === 'incomplete') {
      incompleteReason = 'max_output_tokens';
      const cut =
        fault === 'incomplete'
          ? incompleteOutput(generated, { visibleFraction: 0.5 })
          : incompleteOutput(generated, { maxOutputTokens: req.maxOutputTokens ?? 0 });
      finalItems = cut.items;
      finalUsage = cut.usage;
    } else if (fate === 'failed' || fate === 'stuckQueued') {
      finalItems = [];
    }
    const stuck = fate === 'stuckQueued';
    const record: StoredResponse = {
      id: newId('resp'),
      request: req,
      createdAtMs: now,
      queuedUntilMs: stuck ? Infinity : req.background ? now + latency * QUEUED_FRACTION : now,
      finishAtMs: stuck ? Infinity : now + latency,
      fate,
      deleted: false,
      finalItems,
      finalUsage,
      incompleteReason,
      error: fate === 'failed' ? { code: 'server_error', message: FAILURE_MESSAGE } : null,
      polls: 0,
      events: null,
      listeners: new Set(),
    };
    if (req.stream) record.events = this.scheduleEvents(record);
    this.records.set(record.id, record);
    return record;
  }

  /** Every stream event of a response with the time it happens, numbered from 0. */
  private scheduleEvents(record: StoredResponse): TimedEvent[] {
    const timed: { atMs: number; event: UnnumberedEvent }[] = [];
    const at = (atMs: number, event: UnnumberedEvent): void => {
      timed.push({ atMs, event });
    };
    const start = record.createdAtMs;
    const initial = record.request.background ? 'queued' : 'in_progress';
    at(start, { type: 'response.created', response: toWireResponse(record, initial) });
    if (record.request.background)
      at(start, { type: 'response.queued', response: toWireResponse(record, 'queued') });
    if (record.fate !== 'stuckQueued') {
      at(record.queuedUntilMs, {
        type: 'response.in_progress',
        response: toWireResponse(record, 'in_progress'),
      });
      // A stream is the create's answer: it shows what the create's include asked for.
      const body =
        record.fate === 'failed'
          ? []
          : outputEvents(itemsAsIncluded(record.finalItems, record.request.include));
      const span = record.finishAtMs - record.queuedUntilMs;
      body.forEach((event, i) => at(record.queuedUntilMs + (span * (i + 1)) / (body.length + 1), event));
      const final = toWireResponse(record, record.fate);
      const type = `response.${record.fate}` as const;
      at(record.finishAtMs, { type, response: final });
    }
    return timed.map(({ atMs, event }, sequence) => ({
      atMs,
      event: { ...event, sequence_number: sequence },
    }));
  }

  cancel(record: StoredResponse, now = Date.now()): StoredResponse {
    if (!record.request.background) {
      throw invalidRequest('Cannot cancel a synchronous response.', null);
    }
    // Idempotent: a finished response is returned as it is.
    if (!TERMINAL_STATUSES.has(statusAt(record, now))) {
      record.cancelledAtMs = now;
      this.notify(record);
    }
    return record;
  }

  delete(record: StoredResponse): void {
    record.deleted = true;
    this.notify(record);
  }

  private notify(record: StoredResponse): void {
    for (const listener of [...record.listeners]) listener();
  }

  stats(now = Date.now()): SimulatorStats {
    const totals = { created: 0, completed: 0, failed: 0, cancelled: 0, incomplete: 0, inFlight: 0 };
    let webSearchCalls = 0;
    let functionCalls = 0;
    const responses: SimulatorStats['responses'] = {};
    for (const record of this.records.values()) {
      const status = statusAt(record, now);
      totals.created++;
      if (status === 'queued' || status === 'in_progress') totals.inFlight++;
      else totals[status]++;
      if (status === 'completed' || status === 'incomplete') {
        for (const item of record.finalItems) {
          if (item.type === 'web_search_call') webSearchCalls++;
          if (item.type === 'function_call') functionCalls++;
        }
      }
      const req = record.request;
      const finishedAtMs =
        status === 'cancelled'
          ? record.cancelledAtMs
          : TERMINAL_STATUSES.has(status)
            ? record.finishAtMs
            : undefined;
      responses[record.id] = {
        status,
        model: req.model,
        background: req.background,
        stream: req.stream,
        createdAtMs: record.createdAtMs,
        ...(finishedAtMs !== undefined ? { finishedAtMs } : {}),
        polls: record.polls,
        ...(req.previousResponseId ? { previousResponseId: req.previousResponseId } : {}),
        tools: req.toolTypes,
        ...(req.textFormat.type === 'json_schema' ? { formatName: req.textFormat.name } : {}),
        ...(req.reasoning.effort ? { reasoningEffort: req.reasoning.effort } : {}),
        ...(record.deleted ? { deleted: true } : {}),
        // Who made the create (the request's metadata), so every response can be attributed.
        ...(req.metadata ? { metadata: { ...req.metadata } } : {}),
      };
    }
    return {
      ...totals,
      retrieves: this.counters.retrieves,
      cancels: this.counters.cancels,
      deletes: this.counters.deletes,
      requests: this.counters.requests,
      webSearchCalls,
      functionCalls,
      faultsInjected: { ...this.counters.faultsInjected },
      responses,
    };
  }
}

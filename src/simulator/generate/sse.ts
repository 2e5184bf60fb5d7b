import { hashString } from '../random';
import type { OutputItem, UnnumberedEvent, WireStreamEvent } from '../wire';

/**
 * Stream events for a response's output items, in the order the API emits them. The lifecycle events
 * (created, queued, in_progress, completed…) are added by the store, which knows the response's timing.
 */

/** Splits text into 3-24 chunks at word boundaries, like token deltas grouped by network writes. */
export function chunkText(text: string): string[] {
  if (text.length === 0) return [];
  const target = Math.min(24, Math.max(3, Math.ceil(text.length / 80)));
  const size = Math.ceil(text.length / target);
  const chunks: string[] = [];
  let start = 0;
  while (start < text.length) {
    let end = Math.min(text.length, start + size);
    if (end < text.length) {
      const space = text.indexOf(' ', end);
      end = space === -1 || space - end > 20 ? end : space + 1;
    }
    chunks.push(text.slice(start, end));
    start = end;
  }
  return chunks;
}

/**
 * Recorded deltas carry `obfuscation`: random characters that pad every delta event to a similar size (sent
 * unless `stream_options.include_obfuscation` is false). Derived from the delta, so streams stay reproducible.
 */
function obfuscation(delta: string): string {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  let out = '';
  for (let n = hashString(delta), i = 0; i < Math.max(1, 16 - (delta.length % 16)); i++) {
    out += alphabet[n % alphabet.length];
    n = Math.floor(n / alphabet.length) || hashString(`${delta}${i}`);
  }
  return out;
}

function itemEvents(item: OutputItem, outputIndex: number): UnnumberedEvent[] {
  const events: UnnumberedEvent[] = [];
  const base = { output_index: outputIndex, item_id: item.id ?? '' };
  switch (item.type) {
    case 'reasoning': {
      events.push({
        type: 'response.output_item.added',
        output_index: outputIndex,
        item: { ...item, summary: [] },
      });
      item.summary.forEach((part, summaryIndex) => {
        const summaryBase = { ...base, summary_index: summaryIndex };
        events.push({
          type: 'response.reasoning_summary_part.added',
          ...summaryBase,
          part: { type: 'summary_text', text: '' },
        });
        for (const delta of chunkText(part.text)) {
          events.push({ type: 'response.reasoning_summary_text.delta', ...summaryBase, delta });
        }
        events.push({ type: 'response.reasoning_summary_text.done', ...summaryBase, text: part.text });
        events.push({ type: 'response.reasoning_summary_part.done', ...summaryBase, part });
      });
      break;
    }
    case 'web_search_call': {
      // Recorded: the call is announced with no action yet; the action comes with output_item.done.
      const { action: _action, ...announced } = item;
      events.push({
        type: 'response.output_item.added',
        output_index: outputIndex,
        item: { ...announced, status: 'in_progress' } as typeof item,
      });
      events.push({ type: 'response.web_search_call.in_progress', ...base });
      events.push({ type: 'response.web_search_call.searching', ...base });
      events.push({ type: 'response.web_search_call.completed', ...base });
      break;
    }
    case 'function_call': {
      events.push({
        type: 'response.output_item.added',
        output_index: outputIndex,
        item: { ...item, arguments: '', status: 'in_progress' },
      });
      for (const delta of chunkText(item.arguments)) {
        events.push({
          type: 'response.function_call_arguments.delta',
          ...base,
          delta,
          obfuscation: obfuscation(delta),
        } as UnnumberedEvent);
      }
      events.push({ type: 'response.function_call_arguments.done', ...base, arguments: item.arguments });
      break;
    }
    case 'message': {
      events.push({
        type: 'response.output_item.added',
        output_index: outputIndex,
        item: { ...item, status: 'in_progress', content: [] },
      });
      item.content.forEach((part, contentIndex) => {
        const partBase = { ...base, content_index: contentIndex };
        if (part.type === 'refusal') {
          events.push({
            type: 'response.content_part.added',
            ...partBase,
            part: { type: 'refusal', refusal: '' },
          });
          for (const delta of chunkText(part.refusal)) {
            events.push({ type: 'response.refusal.delta', ...partBase, delta });
          }
          events.push({ type: 'response.refusal.done', ...partBase, refusal: part.refusal });
          events.push({ type: 'response.content_part.done', ...partBase, part });
          return;
        }
        events.push({
          type: 'response.content_part.added',
          ...partBase,
          part: { type: 'output_text', text: '', annotations: [], logprobs: [] },
        });
        // Annotations are announced once the text they cover has been streamed.
        let sent = 0;
        let nextAnnotation = 0;
        for (const delta of chunkText(part.text)) {
          events.push({
            type: 'response.output_text.delta',
            ...partBase,
            delta,
            logprobs: [],
            obfuscation: obfuscation(delta),
          } as UnnumberedEvent);
          sent += delta.length;
          while (nextAnnotation < part.annotations.length) {
            const annotation = part.annotations[nextAnnotation];
            if (!annotation || ('end_index' in annotation && annotation.end_index > sent)) break;
            events.push({
              type: 'response.output_text.annotation.added',
              ...partBase,
              annotation_index: nextAnnotation,
              annotation,
            });
            nextAnnotation++;
          }
        }
        events.push({ type: 'response.output_text.done', ...partBase, text: part.text, logprobs: [] });
        events.push({ type: 'response.content_part.done', ...partBase, part });
      });
      break;
    }
  }
  events.push({ type: 'response.output_item.done', output_index: outputIndex, item });
  return events;
}

export function outputEvents(items: OutputItem[]): UnnumberedEvent[] {
  return items.flatMap((item, index) => itemEvents(item, index));
}

/** Frames one event for the wire: `event: <type>` and `data: <json>`, blank-line terminated. */
export function formatSse(event: WireStreamEvent): string {
  return `event: ${event.type}\ndata: ${JSON.stringify(event)}\n\n`;
}

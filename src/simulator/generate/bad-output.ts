import { REFUSAL_TEXT, type OutputFaultName } from '../config';
import { newId } from '../ids';
import type { CreateRequest } from '../request';
import type { OutputItem, OutputMessage } from '../wire';
import { message, withItems, type GeneratedOutput } from './output';
import { violateSchema } from './structured';

/**
 * Output faults: a normally generated answer made into bad model output (see OUTPUT_FAULTS in config.ts).
 * Deterministic: the same request body and fault give the same text.
 */

export function applyOutputFault(
  req: CreateRequest,
  generated: GeneratedOutput,
  fault: OutputFaultName,
): GeneratedOutput {
  switch (fault) {
    case 'badJson':
      return rewriteStructured(req, generated, (json, name) => notJson(json, name));
    case 'schemaViolation':
      return rewriteStructured(req, generated, (json) =>
        req.textFormat.type === 'json_schema'
          ? JSON.stringify(violateSchema(req.textFormat.schema, JSON.parse(json)))
          : json,
      );
    case 'emptyAnswer':
      return withItems(generated, [
        ...generated.items.filter((item) => item.type === 'reasoning' || item.type === 'web_search_call'),
        message(''),
      ]);
    case 'refusal':
      return withItems(generated, [
        ...generated.items.filter((item) => item.type === 'reasoning'),
        refusalMessage(),
      ]);
  }
}

/** Replaces the text of a structured answer; anything else (plain text, function calls) is left as it is. */
function rewriteStructured(
  req: CreateRequest,
  generated: GeneratedOutput,
  rewrite: (json: string, formatName: string) => string,
): GeneratedOutput {
  if (generated.kind !== 'structured' || req.textFormat.type !== 'json_schema') return generated;
  const name = req.textFormat.name;
  const items = generated.items.map((item): OutputItem => {
    if (item.type !== 'message') return item;
    return {
      ...item,
      content: item.content.map((part) =>
        part.type === 'output_text' ? { ...part, text: rewrite(part.text, name), annotations: [] } : part,
      ),
    };
  });
  return withItems(generated, items);
}

/** A prose lead-in, then the JSON answer cut off half-way: neither the text nor its part from `{` on parses. */
function notJson(json: string, formatName: string): string {
  const cut = json.slice(0, Math.max(1, Math.floor(json.length / 2)));
  return `Here is the ${formatName.replace(/[_-]+/g, ' ')} you asked for:\n\n${cut}`;
}

function refusalMessage(): OutputMessage {
  return {
    id: newId('msg'),
    type: 'message',
    role: 'assistant',
    status: 'completed',
    content: [{ type: 'refusal', refusal: REFUSAL_TEXT }],
  };
}

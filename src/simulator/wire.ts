import type {
  Response,
  ResponseFunctionToolCall,
  ResponseFunctionWebSearch,
  ResponseOutputMessage,
  ResponseReasoningItem,
  ResponseStreamEvent,
  ResponseUsage,
} from 'openai/resources/responses/responses';

/**
 * Wire shapes, taken from the openai SDK's own types so the compiler checks that the simulator emits what
 * the client expects. `output_text` is left out: the SDK computes it, the API never sends it.
 */
export type WireResponse = Omit<Response, 'output_text'>;

export type OutputMessage = ResponseOutputMessage;
export type ReasoningItem = ResponseReasoningItem;
export type WebSearchCallItem = ResponseFunctionWebSearch;
export type FunctionCallItem = ResponseFunctionToolCall & { id: string; status: 'completed' | 'incomplete' };
export type OutputItem = OutputMessage | ReasoningItem | WebSearchCallItem | FunctionCallItem;
export type Usage = ResponseUsage;

type WithWireResponse<T> = T extends { response: Response }
  ? Omit<T, 'response'> & { response: WireResponse }
  : T;
type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

export type WireStreamEvent = WithWireResponse<ResponseStreamEvent>;
/** A stream event before it is numbered. */
export type UnnumberedEvent = DistributiveOmit<WireStreamEvent, 'sequence_number'>;

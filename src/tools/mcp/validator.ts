import type { jsonSchemaValidator, JsonSchemaValidator } from '@modelcontextprotocol/sdk/validation/types.js';
import Ajv from 'ajv';
import type { RegExpEngine } from 'ajv/dist/types';
import { RE2JS } from 're2js';

/**
 * The MCP client checks a tool's `structuredContent` against the `outputSchema` the server listed. The
 * SDK's default (ajv) compiles the server's `pattern`s into backtracking RegExps, so a server could hang
 * the worker with `^(a+)+$` and a long string. Here ajv matches with RE2 (re2js: linear time), formats
 * (whose own regular expressions are not ours to vouch for) are not checked, and an output schema RE2 or
 * ajv cannot compile is refused with the reason: the call fails as "error: …" rather than go unchecked.
 */

const re2Engine: RegExpEngine = Object.assign(
  (pattern: string) => {
    const compiled = RE2JS.compile(pattern);
    return { test: (text: string) => compiled.test(text) };
  },
  { code: 'RE2JS.compile' },
);

export class SafeJsonSchemaValidator implements jsonSchemaValidator {
  private readonly ajv = new Ajv({
    strict: false,
    validateFormats: false,
    validateSchema: false,
    allErrors: false,
    code: { regExp: re2Engine },
  });

  getValidator<T>(schema: Parameters<jsonSchemaValidator['getValidator']>[0]): JsonSchemaValidator<T> {
    let validate: ReturnType<Ajv['compile']>;
    try {
      validate = this.ajv.compile(schema as object);
    } catch (error) {
      const reason = `the server's output schema cannot be checked safely (${(error as Error).message.slice(0, 200)})`;
      return () => ({ valid: false, data: undefined, errorMessage: reason });
    }
    return (input) =>
      validate(input)
        ? { valid: true, data: input as T, errorMessage: undefined }
        : { valid: false, data: undefined, errorMessage: this.ajv.errorsText(validate.errors).slice(0, 500) };
  }
}

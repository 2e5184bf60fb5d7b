import type { z } from 'zod';

/**
 * zod's own wording, by issue code: where an issue says this, the lines below say it better; any other
 * message is a schema's own (`must be a number: USD per 1M tokens`) and is kept.
 */
const ZOD_WORDING: Partial<Record<z.core.$ZodIssue['code'], RegExp>> = {
  unrecognized_keys: /^Unrecognized keys?: /,
  invalid_type: /^Invalid input/,
  invalid_key: /^Invalid key in /,
  invalid_value: /^Invalid (option|input)/,
  too_small: /^Too small/,
  too_big: /^Too big/,
};

/**
 * zod issues as lines a user can act on: each names the field and what to do. The one formatter of
 * the project (the client, the CLI, the workflow, the settings, the sources file, the price and model
 * tables, tool arguments), so every entry point words errors alike; pure, so safe in workflow code.
 * Parse with `{ reportInput: true }`: without the input, a value of the wrong type reads as missing.
 */
export function describeIssues(error: z.ZodError): string[] {
  const lines = error.issues.map((issue) => {
    const field = issue.path.map(String).join('.') || '(input)';
    const zodWording = ZOD_WORDING[issue.code];
    if (zodWording && !zodWording.test(issue.message)) return ownWording(field, issue.message);
    switch (issue.code) {
      case 'unrecognized_keys':
        return `unknown field${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}${
          field === '(input)' ? '' : ` in ${field}`
        }: remove ${issue.keys.length > 1 ? 'them' : 'it'}`;
      case 'invalid_type':
        return issue.input === undefined
          ? `${field} is required (${issue.expected})`
          : `${field} must be ${article(issue.expected)} (got ${typeName(issue.input)})`;
      case 'invalid_key': {
        // A record's key: zod only says "Invalid key in record"; name the key, the rule and its pattern.
        const parent = issue.path.slice(0, -1).map(String).join('.') || '(input)';
        const why = issue.issues.map((inner) =>
          inner.code === 'invalid_format' && 'pattern' in inner && inner.pattern
            ? `${inner.message} (pattern ${String(inner.pattern)})`
            : inner.message,
        );
        return `${parent}: the key ${JSON.stringify(String(issue.input ?? issue.path.at(-1)))} is not allowed: ${why.join('; ')}`;
      }
      case 'invalid_value':
        return `${field} must be one of ${issue.values.map((v) => JSON.stringify(v)).join(', ')}`;
      case 'too_small':
      case 'too_big': {
        const bound = issue.code === 'too_small' ? issue.minimum : issue.maximum;
        const word =
          issue.code === 'too_small'
            ? issue.inclusive
              ? 'at least'
              : 'more than'
            : issue.inclusive
              ? 'at most'
              : 'less than';
        const unit = issue.origin === 'array' ? ' item(s)' : issue.origin === 'string' ? ' characters' : '';
        return `${field} must be ${word} ${String(bound)}${unit}`;
      }
      default:
        return ownWording(field, issue.message);
    }
  });
  // Two checks on one field (e.g. length and pattern) often say the same thing.
  return [...new Set(lines)];
}

/** Our schemas give their own wording where it matters; keep it, named by field once. */
function ownWording(field: string, message: string): string {
  return message.startsWith(field) ? message : `${field}: ${message}`;
}

function article(type: string): string {
  return /^[aeiou]/.test(type) ? `an ${type}` : `a ${type}`;
}

function typeName(value: unknown): string {
  if (value === null) return 'null';
  // An environment variable such as "soon" for a number arrives here coerced, as NaN.
  if (Number.isNaN(value)) return 'NaN';
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}

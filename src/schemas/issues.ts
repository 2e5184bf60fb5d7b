import type { z } from 'zod';

/**
 * zod issues as lines a user can act on: each names the field and what to do. Shared by the client,
 * the CLI and the workflow (pure: safe in workflow code), so every entry point words errors alike.
 */
export function describeIssues(error: z.ZodError): string[] {
  const lines = error.issues.map((issue) => {
    const field = issue.path.map(String).join('.') || '(input)';
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
      case 'too_big':
        if (/^Too (small|big)/.test(issue.message)) {
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
        return ownWording(field, issue.message);
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
  if (Array.isArray(value)) return 'an array';
  return typeof value;
}

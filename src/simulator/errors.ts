/** API errors in the Responses API's `{error: {message, type, param, code}}` body shape. */

export interface ApiErrorBody {
  error: { message: string; type: string; param: string | null; code: string | null };
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly type: string,
    readonly param: string | null = null,
    readonly code: string | null = null,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'ApiError';
  }

  body(): ApiErrorBody {
    return { error: { message: this.message, type: this.type, param: this.param, code: this.code } };
  }
}

export function invalidRequest(
  message: string,
  param: string | null = null,
  code: string | null = null,
): ApiError {
  return new ApiError(400, message, 'invalid_request_error', param, code);
}

export function missingApiKey(): ApiError {
  return new ApiError(
    401,
    "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth " +
      "(i.e. Authorization: Bearer YOUR_KEY), or as the password field (with blank username) if you're accessing the " +
      'API from your browser and are prompted for a username and password. You can obtain an API key from ' +
      'https://platform.openai.com/account/api-keys.',
    'invalid_request_error',
  );
}

/** Masks a key like the API does (recorded: `<not-a-real-key>` -> `<not-a-r****key>`): 8 first, 4 last. */
export function maskApiKey(key: string): string {
  if (key.length <= 12) return '*'.repeat(key.length);
  return `${key.slice(0, 8)}****${key.slice(-4)}`;
}

export function invalidApiKey(key: string): ApiError {
  return new ApiError(
    401,
    `Incorrect API key provided: ${maskApiKey(key)}. You can find your API key at https://platform.openai.com/account/api-keys.`,
    'invalid_request_error',
    null,
    'invalid_api_key',
  );
}

export function modelNotFound(model: string): ApiError {
  return new ApiError(
    404,
    `The model \`${model}\` does not exist or you do not have access to it.`,
    'invalid_request_error',
    'model',
    'model_not_found',
  );
}

export function responseNotFound(id: string): ApiError {
  return new ApiError(404, `Response with id '${id}' not found.`, 'invalid_request_error', null, null);
}

export function invalidUrl(method: string, path: string): ApiError {
  return new ApiError(404, `Invalid URL (${method} ${path})`, 'invalid_request_error');
}

export function rateLimited(model: string, retryAfterSeconds: number): ApiError {
  const seconds = Number(retryAfterSeconds.toFixed(3));
  return new ApiError(
    429,
    `Rate limit reached for ${model} in organization org-simulator on requests per min (RPM): Limit 500, Used 500, ` +
      `Requested 1. Please try again in ${seconds}s. Visit https://platform.openai.com/account/rate-limits to learn more.`,
    'requests',
    null,
    'rate_limit_exceeded',
    {
      'retry-after': String(seconds),
      'retry-after-ms': String(Math.round(retryAfterSeconds * 1000)),
      'x-ratelimit-limit-requests': '500',
      'x-ratelimit-remaining-requests': '0',
      'x-ratelimit-reset-requests': `${seconds}s`,
    },
  );
}

export function serverError(): ApiError {
  return new ApiError(
    500,
    'The server had an error while processing your request. Sorry about that!',
    'server_error',
  );
}

export function unavailable(): ApiError {
  return new ApiError(
    503,
    'The server is overloaded or not ready yet.',
    'server_error',
    null,
    'service_unavailable',
  );
}

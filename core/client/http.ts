/**
 * The native HTTP API (docs/http-api.md) over fetch. Node's fetch keeps connections alive, so
 * sequential calls reuse one socket. Error replies become SpoolClientError with the server's code
 * and status; network failures SpoolConnectionError; no reply in time SpoolTimeoutError.
 */
import { SpoolClientError, SpoolConnectionError, SpoolTimeoutError } from './errors.js';
import type { ResolvedClientOptions } from './options.js';

export class HttpApi {
  constructor(private readonly options: ResolvedClientOptions) {}

  /** Sends a request and resolves with the parsed JSON reply (undefined for 204). */
  async call<T>(method: string, path: string, body?: unknown, extraTimeoutMs = 0): Promise<T> {
    return (await this.request<T>(method, path, body, extraTimeoutMs)).body;
  }

  /** As call, with the reply's status. */
  async request<T>(method: string, path: string, body?: unknown, extraTimeoutMs = 0): Promise<{ status: number; body: T }> {
    const timeoutMs = this.options.requestTimeoutMs + extraTimeoutMs;
    const init: RequestInit = { method, headers: { ...this.options.headers }, signal: AbortSignal.timeout(timeoutMs) };
    if (body !== undefined) {
      init.body = JSON.stringify(body);
      init.headers = { 'content-type': 'application/json', ...this.options.headers };
    }
    let res: Response;
    let text: string;
    try {
      res = await fetch(this.options.baseUrl + path, init);
      text = await res.text();
    } catch (err) {
      if (err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError')) {
        throw new SpoolTimeoutError(`${method} ${path}: no reply within ${timeoutMs} ms`);
      }
      throw new SpoolConnectionError(`${method} ${path}: cannot reach ${this.options.baseUrl}: ${describe(err)}`, { cause: err });
    }
    const parsed = parseJson(text);
    if (res.ok) return { status: res.status, body: parsed as T };
    const error = (parsed as { error?: { code?: unknown; message?: unknown } } | undefined)?.error;
    if (error && typeof error.code === 'string') {
      throw new SpoolClientError(error.code, typeof error.message === 'string' ? error.message : error.code, res.status);
    }
    throw new SpoolClientError('INTERNAL', `${method} ${path}: HTTP ${res.status} without an error body`, res.status);
  }
}

/** `/v1/queues/{name}` with the name escaped. */
export function queuePath(name: string, rest = ''): string {
  return `/v1/queues/${encodeURIComponent(name)}${rest}`;
}

/** The query string of a list call (`?prefix=..&offset=..&limit=..`), or '' when none is given. */
export function listQuery(options: { prefix?: string; offset?: number; limit?: number } = {}): string {
  const query = new URLSearchParams();
  if (options.prefix !== undefined) query.set('prefix', options.prefix);
  if (options.offset !== undefined) query.set('offset', String(options.offset));
  if (options.limit !== undefined) query.set('limit', String(options.limit));
  const qs = query.toString();
  return qs ? `?${qs}` : '';
}

function parseJson(text: string): unknown {
  if (text === '') return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function describe(err: unknown): string {
  const cause = err instanceof Error && err.cause instanceof Error ? err.cause : err;
  return cause instanceof Error ? cause.message : String(cause);
}

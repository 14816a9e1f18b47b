// Turns what came back (an error body, or a thrown fetch) into the SDK's typed errors, passing every
// server- or runtime-supplied string through `redact` first.
import { type ErrorDetail, TesseraError } from './errors.ts';

type Redact = (text: string) => string;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function readDetails(value: unknown, redact: Redact): ErrorDetail[] {
  if (!Array.isArray(value)) return [];
  const details: ErrorDetail[] = [];
  for (const item of value) {
    if (isRecord(item) && typeof item.field === 'string' && typeof item.message === 'string') {
      details.push({ field: item.field, message: redact(item.message) });
    }
  }
  return details;
}

/** Reads the `{code, message, request_id, details?}` error body; anything else becomes `response.unparseable`. */
export function readErrorResponse(
  status: number,
  text: string,
  headerRequestId: string | undefined,
  retryAfterMs: number | undefined,
  redact: Redact,
): TesseraError {
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = undefined;
  }
  if (isRecord(body) && typeof body.code === 'string') {
    const requestId = typeof body.request_id === 'string' ? body.request_id : headerRequestId;
    const message = typeof body.message === 'string' ? body.message : `HTTP ${status}`;
    return new TesseraError({
      status,
      code: body.code,
      message: redact(message),
      requestId,
      details: readDetails(body.details, redact),
      retryAfterMs,
    });
  }
  return new TesseraError({
    status,
    code: 'response.unparseable',
    message: `HTTP ${status} without a Tessera error body`,
    requestId: headerRequestId,
    retryAfterMs,
  });
}

/**
 * A copy of what fetch threw, reduced to name, message and code. The original may hold references to the
 * request (a custom fetch could put headers in its error), and `cause` is printed by util.inspect.
 */
export function summarizeConnectionCause(cause: unknown, redact: Redact): Error {
  const root = isRecord(cause) && cause.cause instanceof Error ? cause.cause : cause;
  const summary = new Error(redact(root instanceof Error ? root.message : String(root)));
  summary.name = root instanceof Error ? root.name : 'Error';
  if (isRecord(root) && typeof root.code === 'string') {
    Object.defineProperty(summary, 'code', { value: root.code, enumerable: true });
  }
  summary.stack = `${summary.name}: ${summary.message}`;
  return summary;
}

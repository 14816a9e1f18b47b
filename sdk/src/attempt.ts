// One HTTP exchange of an operation, bounded by what is left of the operation's budget and by the caller's
// AbortSignal, and the wait between two exchanges, which the same signal cuts short.

export type AttemptResult =
  | { readonly kind: 'response'; readonly response: Response; readonly text: string }
  | { readonly kind: 'network'; readonly cause: unknown }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'aborted' };

export interface AttemptInit {
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body: string | undefined;
}

export async function sendAttempt(
  fetchFn: typeof fetch,
  url: URL,
  init: AttemptInit,
  remainingMs: number,
  signal: AbortSignal | undefined,
): Promise<AttemptResult> {
  if (signal?.aborted) return { kind: 'aborted' };
  if (remainingMs <= 0) return { kind: 'timeout' };
  const controller = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    controller.abort();
  }, remainingMs);
  const onAbort = () => controller.abort();
  signal?.addEventListener('abort', onAbort, { once: true });
  try {
    const response = await fetchFn(url, { ...init, signal: controller.signal, redirect: 'manual' });
    const text = await response.text();
    return { kind: 'response', response, text };
  } catch (cause) {
    if (signal?.aborted) return { kind: 'aborted' };
    return timedOut ? { kind: 'timeout' } : { kind: 'network', cause };
  } finally {
    clearTimeout(timer);
    signal?.removeEventListener('abort', onAbort);
  }
}

/** Waits `ms` with the injected sleep, or less when `signal` aborts first. */
export async function waitUnlessAborted(
  sleep: (ms: number) => Promise<void>,
  ms: number,
  signal: AbortSignal | undefined,
): Promise<void> {
  if (signal === undefined) return sleep(ms);
  let onAbort = () => {};
  const aborted = new Promise<void>((resolve) => {
    onAbort = () => resolve();
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    await Promise.race([sleep(ms), aborted]);
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

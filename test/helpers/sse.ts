// A server-sent events client for the tests, reading the stream as it arrives (fetch's body
// reader), as an EventSource would parse it: `id:`, `event:`, `data:` lines, a blank line ends
// an event, lines starting with ":" are comments (kept, to see keep-alives).
export interface SseEvent {
  id: string | null;
  event: string;
  data: any;
  /** ms since the stream was opened */
  at: number;
}

export interface SseStream {
  status: number;
  headers: Headers;
  events: SseEvent[];
  comments: string[];
  /** resolves once the server ends the stream */
  ended: Promise<void>;
  /** the `count`-th event (0-based), waiting up to `timeoutMs` for it */
  nth(count: number, timeoutMs?: number): Promise<SseEvent>;
  close(): void;
}

export async function openSse(url: string, headers: Record<string, string>): Promise<SseStream> {
  const ctrl = new AbortController();
  const opened = Date.now();
  const res = await fetch(url, { headers, signal: ctrl.signal });
  const events: SseEvent[] = [];
  const comments: string[] = [];
  let wake: (() => void) | null = null;
  const ended = (async () => {
    if (!res.body) return;
    const reader = res.body.getReader();
    const dec = new TextDecoder();
    let buf = '';
    let cur: { id: string | null; event: string; data: string[] } = { id: null, event: 'message', data: [] };
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += dec.decode(value, { stream: true });
        let nl: number;
        while ((nl = buf.indexOf('\n')) >= 0) {
          const line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (line === '') {
            if (cur.data.length > 0) {
              const text = cur.data.join('\n');
              let data: unknown = text;
              try {
                data = JSON.parse(text);
              } catch {
                // not JSON: kept as text
              }
              events.push({ id: cur.id, event: cur.event, data, at: Date.now() - opened });
              wake?.();
            }
            cur = { id: null, event: 'message', data: [] };
          } else if (line.startsWith(':')) comments.push(line.slice(1).trim());
          else {
            const colon = line.indexOf(':');
            const field = colon < 0 ? line : line.slice(0, colon);
            const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
            if (field === 'id') cur.id = value;
            else if (field === 'event') cur.event = value;
            else if (field === 'data') cur.data.push(value);
          }
        }
      }
    } catch {
      // aborted by close()
    } finally {
      wake?.();
    }
  })();
  let done = false;
  void ended.then(() => (done = true));
  return {
    status: res.status,
    headers: res.headers,
    events,
    comments,
    ended,
    async nth(count, timeoutMs = 5000) {
      const until = Date.now() + timeoutMs;
      while (events.length <= count) {
        if (done) throw new Error(`the stream ended after ${events.length} events: ${JSON.stringify(events)}`);
        const left = until - Date.now();
        if (left <= 0) throw new Error(`no event #${count} within ${timeoutMs} ms; had ${JSON.stringify(events)}`);
        await new Promise<void>((resolve) => {
          wake = resolve;
          setTimeout(resolve, Math.min(left, 100));
        });
      }
      return events[count];
    },
    close() {
      ctrl.abort();
    },
  };
}

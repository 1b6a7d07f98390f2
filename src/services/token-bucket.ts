/**
 * Rate limits as token buckets: two per caller, and a request needs a token from both: a
 * burst bucket of `perMinute` tokens refilled at perMinute/60 s, and a sustained bucket of
 * `perHour` refilled at perHour/3600 s. Buckets live in memory (a restart forgives); idle
 * full buckets are swept when the table grows.
 */
export interface Take {
  ok: boolean;
  limit: number;
  remaining: number;
  /** Unix seconds when the burst bucket is full again */
  reset: number;
  /** seconds until a token is available (0 when ok) */
  retryAfter: number;
}

interface Buckets {
  minute: number;
  hour: number;
  at: number;
}

const SWEEP_AT = 50_000;

export class RateLimiter {
  private readonly buckets = new Map<string, Buckets>();
  private readonly perMinMs: number;
  private readonly perHourMs: number;

  constructor(readonly perMinute: number, readonly perHour: number) {
    this.perMinMs = perMinute / 60_000;
    this.perHourMs = perHour / 3_600_000;
  }

  private refill(id: string, now: number): Buckets {
    let b = this.buckets.get(id);
    if (!b) {
      if (this.buckets.size >= SWEEP_AT) this.sweep(now);
      b = { minute: this.perMinute, hour: this.perHour, at: now };
      this.buckets.set(id, b);
      return b;
    }
    const dt = now - b.at;
    if (dt > 0) {
      b.minute = Math.min(this.perMinute, b.minute + dt * this.perMinMs);
      b.hour = Math.min(this.perHour, b.hour + dt * this.perHourMs);
      b.at = now;
    }
    return b;
  }

  take(id: string, now = Date.now()): Take {
    const b = this.refill(id, now);
    const ok = b.minute >= 1 && b.hour >= 1;
    if (ok) {
      b.minute -= 1;
      b.hour -= 1;
    }
    let waitMs = 0;
    if (b.minute < 1) waitMs = Math.max(waitMs, (1 - b.minute) / this.perMinMs);
    if (b.hour < 1) waitMs = Math.max(waitMs, (1 - b.hour) / this.perHourMs);
    const fullMs = (this.perMinute - b.minute) / this.perMinMs;
    return {
      ok,
      limit: this.perMinute,
      remaining: Math.floor(Math.min(b.minute, b.hour)),
      reset: Math.ceil((now + Math.max(fullMs, waitMs)) / 1000),
      retryAfter: ok ? 0 : Math.max(1, Math.ceil(waitMs / 1000)),
    };
  }

  /** Gives back the token of a request that turned out to cost nothing (a 304). */
  refund(id: string): void {
    const b = this.buckets.get(id);
    if (!b) return;
    b.minute = Math.min(this.perMinute, b.minute + 1);
    b.hour = Math.min(this.perHour, b.hour + 1);
  }

  private sweep(now: number): void {
    for (const [id, b] of this.buckets) {
      const dt = now - b.at;
      if (b.minute + dt * this.perMinMs >= this.perMinute && b.hour + dt * this.perHourMs >= this.perHour) this.buckets.delete(id);
    }
  }
}

import type { BreakerEventCount } from '../db/repositories/jobs.js';
import { breakers as processBreakers, type BreakerRegistry } from '../providers/breakers.js';

/**
 * The circuit-breaker events of a process Prometheus does not scrape (`folio build-pack` from
 * cron, a `folio scheduler` process). Each outermost job run takes the events of its time and
 * stores them (job_breaker_events); every service exports their sum as
 * folio_job_breaker_events_total, so these breakers alert like the service's own.
 */
export class BreakerTally {
  private readonly counts = new Map<string, BreakerEventCount>();
  private depth = 0;
  /** Stops counting. */
  readonly stop: () => void;

  constructor(registry: BreakerRegistry = processBreakers) {
    this.stop = registry.observe({
      breakerEvent: (breaker, event) => {
        const key = `${breaker}\0${event}`;
        const c = this.counts.get(key);
        if (c) c.n++;
        else this.counts.set(key, { breaker, event, n: 1 });
      },
    });
  }

  /** A job run starts; runs inside it (a build's reconcile) belong to it. */
  enter(): void {
    this.depth++;
  }

  /** A job run ends: the outermost one gets the events counted since the last one ended, inner ones nothing. */
  leave(): BreakerEventCount[] {
    this.depth = Math.max(0, this.depth - 1);
    if (this.depth > 0) return [];
    const taken = [...this.counts.values()];
    this.counts.clear();
    return taken;
  }
}

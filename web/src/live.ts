import { followLive } from './api.js';

/** Live views refresh at most this often, however fast data arrives. */
const LIVE_REFRESH_MS = 2000;
/** A live range slides forward this often even when no data arrives. */
const SLIDE_MS = 60_000;

/**
 * Keeps the live stream of the zone a live view shows open, and asks for an update of the
 * minutes that changed when data arrives (at most every LIVE_REFRESH_MS, and once more if it
 * arrives during a load) or of the last minute when a minute has passed, so that the range
 * slides. The update fetches only what changed; <html data-live> names the zone while its
 * stream is open.
 */
export class LiveUpdates {
  private stream: { zone: string; stop: AbortController } | undefined;
  private timer: number | undefined;
  private loadedAt = 0;
  private loading = false;
  /** The earliest minute changed since the last update (epoch ms), or Infinity. */
  private since = Number.POSITIVE_INFINITY;

  constructor(
    private readonly update: (since: number) => void,
    private readonly indicator: HTMLElement,
  ) {}

  /** A load of the view starts: it makes planned refreshes moot. */
  loadStarted(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.loadedAt = Date.now();
    this.loading = true;
    // What changed so far is in what this load fetches.
    this.since = Number.POSITIVE_INFINITY;
  }

  /** A load ended; `zone` is the zone to follow, or undefined when the view is not live. */
  loadEnded(zone: string | undefined): void {
    this.loading = false;
    this.indicator.hidden = !zone;
    if (this.stream && this.stream.zone !== zone) {
      this.stream.stop.abort();
      this.stream = undefined;
      delete document.documentElement.dataset.live;
    }
    if (zone && !this.stream) {
      const stream = { zone, stop: new AbortController() };
      this.stream = stream;
      void followLive(
        zone,
        (minute) => this.dataArrived(Date.parse(minute.t)),
        stream.stop.signal,
        () => {
          document.documentElement.dataset.live = zone;
        },
      );
    }
    if (zone && this.since < Number.POSITIVE_INFINITY) this.schedule();
    else if (zone && !this.timer) this.timer = window.setTimeout(() => this.slide(), SLIDE_MS);
  }

  private dataArrived(minute: number): void {
    this.since = Math.min(this.since, minute);
    if (!this.loading) this.schedule();
  }

  /** A minute passed without data: the range slides (the new minute is all that can have changed). */
  private slide(): void {
    this.timer = undefined;
    this.dataArrived(Date.now() - (Date.now() % 60_000));
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = window.setTimeout(
      () => {
        this.timer = undefined;
        const since = this.since;
        this.since = Number.POSITIVE_INFINITY;
        this.update(since);
      },
      Math.max(0, this.loadedAt + LIVE_REFRESH_MS - Date.now()),
    );
  }
}

import { followLive } from './api.js';

/** Live views refresh at most this often, however fast data arrives. */
const LIVE_REFRESH_MS = 2000;
/** A live range slides forward this often even when no data arrives. */
const SLIDE_MS = 60_000;

/**
 * Keeps the live stream of the zone a live view shows open, and asks for a refresh when data
 * arrives (at most every LIVE_REFRESH_MS, and once more if it arrives during a load) or when a
 * minute has passed. <html data-live> names the zone while its stream is open.
 */
export class LiveUpdates {
  private stream: { zone: string; stop: AbortController } | undefined;
  private timer: number | undefined;
  private loadedAt = 0;
  private loading = false;
  private pending = false;

  constructor(
    private readonly refresh: () => void,
    private readonly indicator: HTMLElement,
  ) {}

  /** A load of the view starts: it makes planned refreshes moot. */
  loadStarted(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    this.loadedAt = Date.now();
    this.loading = true;
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
        () => this.dataArrived(),
        stream.stop.signal,
        () => {
          document.documentElement.dataset.live = zone;
        },
      );
    }
    if (this.pending) {
      this.pending = false;
      this.dataArrived();
    } else if (zone && !this.timer) {
      this.timer = window.setTimeout(this.refresh, SLIDE_MS);
    }
  }

  private dataArrived(): void {
    if (this.loading) {
      this.pending = true;
      return;
    }
    clearTimeout(this.timer);
    this.timer = window.setTimeout(this.refresh, Math.max(0, this.loadedAt + LIVE_REFRESH_MS - Date.now()));
  }
}

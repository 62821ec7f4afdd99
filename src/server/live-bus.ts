import { EventEmitter } from 'node:events';

/** A committed batch touched these minutes of a zone. */
export interface ZoneChange {
  zone: string;
  /** Minute starts, epoch ms. */
  minutes: number[];
}

/** In-process news of committed ingests, for live views: published only after commit. */
export class LiveBus {
  private readonly emitter = new EventEmitter();

  constructor() {
    // One listener per open live view: many dashboards are normal, not a leak.
    this.emitter.setMaxListeners(0);
  }

  publish(change: ZoneChange): void {
    this.emitter.emit('change', change);
  }

  /** Calls `listener` for every change; returns the function that stops it. */
  subscribe(listener: (change: ZoneChange) => void): () => void {
    this.emitter.on('change', listener);
    return () => this.emitter.off('change', listener);
  }
}

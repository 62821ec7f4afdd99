import { existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { repoRoot } from '../../testing/paths.js';
import { measure } from '../measure.js';

const WEB = join(repoRoot, 'dist', 'web');

export interface PageWeight {
  name: string;
  files: number;
  raw: number;
  gzip: number;
  brotli: number;
}

const size = (path: string) => (existsSync(path) ? statSync(path).size : 0);

function weigh(name: string, files: string[]): PageWeight {
  const paths = files.map((f) => join(WEB, f));
  return {
    name,
    files: files.length,
    raw: paths.reduce((sum, p) => sum + size(p), 0),
    gzip: paths.reduce((sum, p) => sum + size(`${p}.gz`), 0),
    brotli: paths.reduce((sum, p) => sum + size(`${p}.br`), 0),
  };
}

/**
 * What the dashboard loads, from the built files and the .gz/.br the build writes beside them:
 * the first view (index.html, its scripts and styles, the chart chunks it imports at once) and
 * the data center map, which loads only for zones with the breakdown.
 */
export function pageWeight(): PageWeight[] {
  const html = readFileSync(join(WEB, 'index.html'), 'utf8');
  const first = new Set(['index.html']);
  const queue = [...html.matchAll(/(?:src|href)="\.\/([^"]+\.(?:js|css))"/g)].map((m) => m[1]);
  const lazy = new Set<string>();
  while (queue.length) {
    const file = queue.shift()!;
    if (first.has(file) || lazy.has(file)) continue;
    const text = readFileSync(join(WEB, file), 'utf8');
    // The world map is imported only by the map; everything else the first view pulls in.
    if (/world-map/.test(file)) {
      lazy.add(file);
      continue;
    }
    first.add(file);
    for (const m of text.matchAll(/["'`]\.\/([\w.-]+\.js)["'`]/g))
      queue.push(`assets/${m[1]}`.replace('assets/assets/', 'assets/'));
  }
  return [weigh('first view (HTML, JS, CSS, chart)', [...first]), weigh('data center map (lazy)', [...lazy])];
}

export interface FirstRender {
  view: string;
  runsMs: number[];
  medianMs: number;
  maxMs: number;
}

/** The dashboard's first render of a 24 h view on `edgestat demo` data (about 14.5M requests), in headless Chromium. */
export async function firstRender(runs = 5): Promise<FirstRender> {
  const m = await measure(process.execPath, [join(repoRoot, 'dist', 'e2e', 'first-render.js'), String(runs)]);
  if (m.code !== 0) throw new Error(`first-render exited with ${m.code}: ${m.stderr.slice(-500)}`);
  return JSON.parse(m.stdout.trim().split('\n').at(-1)!) as FirstRender;
}

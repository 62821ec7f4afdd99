import { readFileSync } from 'node:fs';
import { cpus, release, totalmem, type } from 'node:os';
import type { CardinalityScenario } from './cases/cardinality.js';
import type { CliStart } from './cases/cli-start.js';
import type { FirstRender, PageWeight } from './cases/dashboard.js';
import type { EdgeFormatResult } from './cases/edge-formats.js';
import type { HttpPushResult } from './cases/http-push.js';
import type { IngestRun, StdinRun } from './cases/ingest.js';
import { CLICKHOUSE_WRITERS, type MonthOptions, type MonthQuery, type MonthStoreResult } from './cases/month.js';
import type { QueryLatency } from './cases/query.js';
import { COLO_SKEW, HOST_SKEW } from './month-traffic.js';

const n = (x: number) => Math.round(x).toLocaleString('en-US');
const ratio = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
const kB = (bytes: number) => `${(bytes / 1000).toFixed(1)} kB`;
const mb = (bytes: number) => `${(bytes / 1e6).toFixed(0)} MB`;

/** The distribution's name from /etc/os-release, followed by a comma, or nothing. */
function distribution(): string {
  try {
    const name = /^PRETTY_NAME="?([^"\n]*)"?$/m.exec(readFileSync('/etc/os-release', 'utf8'))?.[1];
    return name ? `${name}, ` : '';
  } catch {
    return '';
  }
}

/** bench/RESULTS.md, section by section as the cases finish. */
export class Report {
  private readonly sections: string[] = [];

  constructor(private readonly lines: number) {}

  generated(lines: number, cloudflareBytes: number, nginxBytes: number, upstreamBytes: number): void {
    this.sections.push(
      `Input: one day of generated traffic (the demo's model: seven data centers with their own daily peaks, every error group, an origin incident turning an hour of FRA into 52x), ${n(lines)} requests, written as Cloudflare Logpush NDJSON (${mb(cloudflareBytes)}, ${n(cloudflareBytes / lines)} B/line), as nginx \`combined\` lines (${mb(nginxBytes)}) and as nginx lines with request time, upstream timings and upstream status added (${mb(upstreamBytes)}). Both peers and edgestat read the same files, each in a process of its own, timed from start to exit.`,
    );
  }

  ingest(title: string, runs: IngestRun[], goal: number, goalText: string): void {
    const [ours, peer] = runs;
    const rows = runs.map(
      (r) =>
        `| ${r.name} | ${n(r.lines)} | ${r.seconds.toFixed(2)} s | ${n(r.linesPerSecond)} | ${n(r.peakRssMiB)} MiB |`,
    );
    const verdict = peer
      ? `Ratio: edgestat ${ratio(ours.linesPerSecond, peer.linesPerSecond)} the peer's lines/s (goal: ${goalText}: ${ours.linesPerSecond / peer.linesPerSecond >= goal ? 'met' : 'not met'}).`
      : 'No peer installed on this machine: no ratio.';
    this.sections.push(
      `## ${title}\n\n| run | lines | time | lines/s | peak RSS |\n|---|---:|---:|---:|---:|\n${rows.join('\n')}\n\n${verdict}`,
    );
  }

  stdin(r: StdinRun): void {
    this.sections.push(
      `## Streaming: bounded memory on stdin\n\n${n(r.lines)} lines (${r.gib.toFixed(2)} GiB) piped into \`edgestat ingest -\` in ${r.seconds.toFixed(1)} s (${n(r.linesPerSecond)} lines/s). Resident memory after the first quarter of the run stayed between ${r.steadyRssMiB.min} and ${r.steadyRssMiB.max} MiB (peak ${r.peakRssMiB} MiB): memory is bounded by the distinct per-minute rollup keys, not by the input, so a file larger than RAM ingests the same way (\`--huge[=GB]\` streams more).`,
    );
  }

  query(results: QueryLatency[]): void {
    const rows = results.map((q) => `| ${q.name} | ${q.runs} | ${n(q.rows)} | ${q.p50Ms} ms | ${q.p99Ms} ms |`);
    const [ours, peer] = results;
    const http = results.find((q) => q.name.startsWith('GET'));
    this.sections.push(
      `## Query latency: 24 h, 1-minute buckets, by status, all data centers\n\n| query | runs | rows | p50 | p99 |\n|---|---:|---:|---:|---:|\n${rows.join('\n')}\n\n${peer ? `edgestat's whole answer (rows, bucket totals, percentages) takes ${ratio(ours.p50Ms, peer.p50Ms)} the bare GROUP BY at p50.` : ''}${http ? ` Through \`edgestat serve\` (HTTP, JSON encoded and decoded) the same answer takes ${ratio(http.p50Ms, ours.p50Ms)} runQuery's p50.` : ''}`,
    );
  }

  /** DuckDB and ClickHouse side by side: the same file ingested and the same query. */
  stores(ingest: IngestRun[], queries: QueryLatency[]): void {
    const [duck, click] = ingest;
    const [duckQuery, clickQuery] = queries;
    const rows = ingest.map(
      (r) =>
        `| ${r.name} | ${n(r.lines)} | ${r.seconds.toFixed(2)} s | ${n(r.linesPerSecond)} | ${n(r.peakRssMiB)} MiB |`,
    );
    const q = queries.map((x) => `| ${x.name} | ${x.runs} | ${n(x.rows)} | ${x.p50Ms} ms | ${x.p99Ms} ms |`);
    this.sections.push(
      `## ClickHouse next to DuckDB\n\nThe Cloudflare file into each store through \`edgestat ingest --store\` (ClickHouse: Debian's 18.16 on this machine, started for the run), then the 24 h query.\n\n| run | lines | time | lines/s | peak RSS |\n|---|---:|---:|---:|---:|\n${rows.join('\n')}\n\n| query | runs | rows | p50 | p99 |\n|---|---:|---:|---:|---:|\n${q.join('\n')}\n\nClickHouse ingests at ${ratio(click.linesPerSecond, duck.linesPerSecond)} and answers at ${ratio(duckQuery.p50Ms, clickQuery.p50Ms)} the speed of DuckDB (p50) on this one machine; what ClickHouse adds is many processes and machines on one store, not speed per process.`,
    );
  }

  cliStart(results: CliStart[]): void {
    const peer = results[0].p50Ms;
    const rows = results.map(
      (r) => `| ${r.name} | ${r.p50Ms.toFixed(0)} ms | ${r.p90Ms.toFixed(0)} ms | ${ratio(r.p50Ms, peer)} |`,
    );
    this.sections.push(
      `## CLI start

Whole process, p50 and p90 of 15 runs. Goal: \`edgestat --help\` and \`edgestat query\` ≤ 150 ms.

| command | p50 | p90 | × node -e 0 |
|---|---:|---:|---:|
${rows.join('\n')}`,
    );
  }

  note(title: string, text: string): void {
    this.sections.push(`## ${title}\n\n${text}`);
  }

  /** Many agents, small batches: what group commit is for. */
  fleet(runs: HttpPushResult[], machine: { load: number; cores: number }): void {
    const rows = runs.map(
      (r) =>
        `| ${r.store} | ${r.senders} | ${r.rate ? `${n(r.rate)}/s` : 'as answered'} | ${n(r.batchLines)} | ${n(r.batches)} | ${r.failed} | **${n(r.batchesPerSecond)}** | ${n(r.linesPerSecond)} | ${r.latencyMs.p50} ms | ${r.latencyMs.p99} ms | ${r.cpuMsPerBatch ? `${r.cpuMsPerBatch.all} ms / ${r.cpuMsPerBatch.main} ms` : ''} |`,
    );
    this.sections.push(
      `## Push ingest by a fleet of agents\n\nConcurrent agents pushing small gzip Logpush batches to a real \`edgestat serve\`, each answered only once durable (group commit: the batches waiting share one store transaction). Each batch is decoded and parsed on a pool of parsing threads; the main thread answers HTTP and commits. Goal: ≥ 500 batches/s, p99 ≤ 100 ms. Server CPU is per batch committed, all threads / main thread: it does not depend on what else the machine runs, latency does (load average ${machine.load.toFixed(1)} on ${machine.cores} cores at the end of this case).\n\n| store | agents | offered | lines/batch | batches | failed | batches/s | lines/s | p50 | p99 | server CPU |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n${rows.join('\n')}`,
    );
  }

  push(r: HttpPushResult, fileRate?: number): void {
    this.sections.push(
      `## Push ingest over HTTP\n\n${r.senders} concurrent senders, gzip Logpush batches of ${n(r.batchLines)} lines (${kB(r.gzipBytesPerBatch)} each) to a real \`edgestat serve\`, each answered only once durable: ${n(r.batches)} batches, ${r.failed} failed, **${n(r.linesPerSecond)} lines/s** committed, latency p50 ${r.latencyMs.p50} ms, p99 ${r.latencyMs.p99} ms.${fileRate ? ` That is ${ratio(r.linesPerSecond, fileRate)} the file ingest rate above.` : ''}`,
    );
  }

  formats(results: EdgeFormatResult[]): void {
    const peer = results.find((r) => r.name === 'ingest-cloudflare');
    const rows = results.map(
      (r) =>
        `| ${r.name.replace('ingest-', '')} | ${n(r.lines)} | ${n(r.parseLinesPerSecond)} | ${n(r.ingestLinesPerSecond)} | ${peer ? ratio(r.ingestLinesPerSecond, peer.ingestLinesPerSecond) : ''} |`,
    );
    this.sections.push(
      `## Each format's ingest rate (one thread)\n\nEach format's fixture lines repeated; the parser alone, then the whole ingest (parse, classify, roll up, commit to DuckDB) on one thread.\n\n| format | lines | parse lines/s | ingest lines/s | vs cloudflare |\n|---|---:|---:|---:|---:|\n${rows.join('\n')}`,
    );
  }

  dashboard(weights: PageWeight[], render?: FirstRender): void {
    const rows = weights.map((w) => `| ${w.name} | ${w.files} | ${kB(w.raw)} | ${kB(w.gzip)} | ${kB(w.brotli)} |`);
    const first = render
      ? `First render (summary, chart and table drawn) of a 24 h view in 1-minute buckets on \`edgestat demo\` data (7 days, about 14.5M requests) in headless Chromium: median **${render.medianMs} ms**, max ${render.maxMs} ms over ${render.runsMs.length} loads (goal: under 1 s: ${render.maxMs < 1000 ? 'met' : 'not met'}).`
      : 'No Chromium: first render not measured.';
    this.sections.push(
      `## Dashboard\n\n| what loads | files | raw | gzip | brotli |\n|---|---:|---:|---:|---:|\n${rows.join('\n')}\n\n${first}`,
    );
  }

  cardinality(scenarios: CardinalityScenario[]): void {
    const rows = scenarios.flatMap((s) =>
      s.answers.map(
        (a) =>
          `| ${s.name} | ${a.endpoint} | ${a.runs} | ${a.p50Ms} ms | ${a.p99Ms} ms | ${kB(a.bytes)} | ${n(s.rssMiB)} MiB (peak ${n(s.peakRssMiB)}) |`,
      ),
    );
    const held = scenarios.map((s) => `${s.name}, /colos lists ${n(s.storedColos)} of the ${n(s.colos)} written`);
    this.sections.push(
      `## Cardinality: ${n(scenarios[0]?.colos ?? 0)} distinct data centers\n\nEach line a new \`EdgeColoCode\`, to a real \`edgestat serve\`: pushed over HTTP (the ingest cap keeps 1,000 per zone and day and folds the rest into "(Other)"), and written straight into the store (a file from before the caps). ${held.map((h) => `${h[0].toUpperCase()}${h.slice(1)}`).join('. ')}.\n\n| data | answer | runs | p50 | p99 | size | server RSS |\n|---|---|---:|---:|---:|---:|---:|\n${rows.join('\n')}`,
    );
  }

  /** A month of a fleet's traffic on each store: what it stores per tier, and the reads of the goal. */
  month(options: MonthOptions, results: MonthStoreResult[], seconds: number, clickhouseMissing?: string): void {
    const tierRows = (r: MonthStoreResult, tier: string) => {
      const t = r.storage.tiers.find((x) => x.tier === tier);
      return t ? n(t.rows) : 'not kept';
    };
    const writes = results.map(
      (r) =>
        `| ${r.store} | ${n(r.write.batches)} | ${n(r.write.rows)} | ${n(r.write.requests)} | ${r.write.seconds.toFixed(0)} s | ${tierRows(r, 'minute')} | ${tierRows(r, 'hour')} | ${tierRows(r, 'day')} | ${r.storage.bytes === null ? '?' : mb(r.storage.bytes)} |`,
    );
    const perTable = results
      .filter((r) => r.tableBytes)
      .map(
        (r) =>
          `${r.store} per table: ${Object.entries(r.tableBytes ?? {})
            .sort()
            .map(([t, b]) => `${t} ${mb(b)}`)
            .join(', ')}.`,
      );
    const cell = (q?: MonthQuery) => (q ? `${q.p50Ms} / ${q.p99Ms} ms` : '');
    const queryRows = results.flatMap((r) =>
      [...new Set(r.queries.map((q) => q.name))].map((name) => {
        const by = (mode: MonthQuery['mode']) => r.queries.find((q) => q.name === name && q.mode === mode);
        const [ours, http, peer] = [by('in-process'), by('HTTP'), by('bare GROUP BY')];
        const met = ours && http && ours.p50Ms <= 50 && http.p50Ms <= 100 ? 'met' : 'not met';
        return `| ${name} | ${r.store} | ${n(ours?.rows ?? 0)} | ${cell(ours)} | ${cell(http)} | ${cell(peer)} | ${ours && peer ? ratio(ours.p50Ms, peer.p50Ms) : ''} | ${met} |`;
      }),
    );
    const runs = results.flatMap((r) => r.queries.map((q) => q.runs));
    const render = results
      .filter((r) => r.firstRenderMs)
      .map((r) => {
        const sorted = [...(r.firstRenderMs ?? [])].sort((a, b) => a - b);
        const median = sorted[Math.floor(sorted.length / 2)];
        return `${r.store}: median **${median} ms** (${r.firstRenderMs?.join(', ')} ms; goal < 1 s: ${median < 1000 ? 'met' : 'not met'})`;
      });
    const live = results
      .filter((r) => r.live)
      .map(
        (r) =>
          `${r.store}: **${kB(r.live?.bytesPerMinute ?? 0)}/min** (${kB(r.live?.bytes ?? 0)} in ${r.live?.seconds} s, ${r.live?.pushes} pushes; goal ≤ 50 kB/min: ${(r.live?.bytesPerMinute ?? 0) <= 50_000 ? 'met' : 'not met'})`,
      );
    this.sections.push(
      `## A month of live traffic

${options.days} days ending now of one zone with ${n(options.perMinute)} requests per minute on average (a daily cycle of ±40%): 100 data centers × 50 hosts × 20 statuses, Zipf-skewed (data centers s = ${COLO_SKEW}, hosts s = ${HOST_SKEW}, 200 is 80%), counts drawn per minute so rare combinations come and go (${n((results[0]?.write.rows ?? 0) / options.days / 1440)} keys per minute on average), and five 5xx bursts of 20–90 minutes in one busy data center. ${options.agents} agents each own 5 data centers and commit one batch per ${options.batchMinutes} minutes of their traffic; the batches of a period go through the store's \`commitGroup\` (the path \`serve\` group-commits pushes through), each under its own key; ClickHouse takes ${CLICKHOUSE_WRITERS} periods at once, as that many \`serve\` processes would commit. Generated at rollup level (a month of raw lines would take hours to replay). Run with \`npm run bench -- --only month\` (\`--month-days N\` for a quick run); this one took ${(seconds / 60).toFixed(0)} minutes.${clickhouseMissing ? ` ClickHouse not measured: ${clickhouseMissing}.` : ''}

| store | batches | rows written | requests | write time | minute rows | hour rows | day rows | on disk |
|---|---:|---:|---:|---:|---:|---:|---:|---:|
${writes.join('\n')}

${perTable.join(' ')}

Reads of the dashboard over the month, p50 / p99 over ${Math.min(...runs)}–${Math.max(...runs)} runs each (a slow query gets fewer runs, at least 5): \`runQuery\` / \`runColos\` in-process, the same answer from a real \`edgestat serve\` over HTTP (to the last byte), and the bare GROUP BY of the same read on the store's minute table. Goal: ≤ 50 ms p50 in-process and ≤ 100 ms over HTTP.

| read | store | rows | in-process | HTTP | bare GROUP BY | in-process ÷ bare | goal |
|---|---|---:|---:|---:|---:|---:|---|
${queryRows.join('\n')}

Dashboard, 30 d view, first render in headless Chromium (summary, chart and table drawn): ${render.join('; ') || 'not measured (no Chromium)'}.

Live 24 h view, every byte the browser received while a batch of 20 lines was pushed every 5 s: ${live.join('; ') || 'not measured (no Chromium)'}.`,
    );
  }

  markdown(): string {
    const cpu = cpus();
    const machine = `${cpu.length} × ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${distribution()}${type()} ${release()}, Node.js ${process.version}`;
    return `# Benchmark results\n\nWritten by \`npm run bench\` (\`--lines ${this.lines}\`) on ${new Date().toISOString().slice(0, 10)}.\nMachine: ${machine}. The machine is shared and noisy: compare the ratios, measured in the same run, more than the absolute figures.\n\n${this.sections.join('\n\n')}\n`;
  }
}

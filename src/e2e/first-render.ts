/**
 * Measures the dashboard's first render (summary, chart and table drawn) of a 24-hour view in
 * headless Chromium against `edgestat demo` data (7 days, about 14.5M requests). A measurement,
 * not a test: `node dist/e2e/first-render.js [runs]` prints each run and the median as JSON.
 */
import { runDemo } from '../demo/demo.js';
import { cannotRun, launchBrowser } from './harness.js';

const runs = Number(process.argv[2] ?? 7);
const why = cannotRun();
if (why) throw new Error(`cannot measure: ${why}`);

const demo = await runDemo({
  host: '127.0.0.1',
  port: 18_000 + Math.floor(Math.random() * 1000),
  days: 7,
  perMinute: 1400,
  feedMs: 3000,
  seed: 1,
  log: (line) => process.stderr.write(`${line}\n`),
});
const browser = await launchBrowser();
const times: number[] = [];
try {
  for (let i = 0; i < runs; i++) {
    const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    await page.goto(`${demo.url}/?zone=shop.example.com&range=24h`);
    await page.waitForFunction(() => performance.getEntriesByName('edgestat:first-render').length > 0, null, {
      timeout: 30_000,
    });
    times.push(await page.evaluate(() => performance.getEntriesByName('edgestat:first-render')[0].startTime));
    await page.close();
  }
} finally {
  await browser.close();
  await demo.stop();
}
const sorted = [...times].sort((a, b) => a - b);
const ms = (n: number) => Math.round(n);
// Exit once the result is out: with the browser and the demo closed, the process was seen to stay
// alive with only stdio open, which left `npm run bench` waiting for it.
process.stdout.write(
  `${JSON.stringify({ view: '24h, 1m buckets', runsMs: times.map(ms), medianMs: ms(sorted[Math.floor(sorted.length / 2)]), maxMs: ms(sorted.at(-1)!) })}\n`,
  () => process.exit(0),
);

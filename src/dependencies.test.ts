import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));
const readJson = (name: string) => JSON.parse(readFileSync(`${root}${name}`, 'utf8'));

type Version = [number, number, number];

function parseVersion(text: string): Version {
  const [major, minor, patch] = text.replace(/^v/, '').replace(/\.x$/, '').split('.');
  return [Number(major), Number(minor ?? 0) || 0, Number(patch ?? 0) || 0];
}

const compare = (a: Version, b: Version) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2];

/** One comparator of an npm engines range (`>=20`, `^20.19.0`, `20`, `10.*`) against a version. */
function satisfiesComparator(version: Version, comparator: string): boolean {
  const match = /^(>=|<=|>|<|\^|~)?\s*v?(\d+(?:\.(?:\d+|\*|x))?(?:\.(?:\d+|\*|x))?)$/.exec(comparator);
  assert.ok(match, `cannot read engines comparator "${comparator}"`);
  const [, op, text] = match;
  const bound = parseVersion(text.replace(/\.\*|\.x/g, ''));
  const parts = text.split('.').filter((p) => p !== '*' && p !== 'x').length;
  const c = compare(version, bound);
  switch (op) {
    case '>=':
      return c >= 0;
    case '>':
      return c > 0;
    case '<=':
      return c <= 0;
    case '<':
      return c < 0;
    case '^':
      return c >= 0 && version[0] === bound[0];
    case '~':
      return c >= 0 && version[0] === bound[0] && version[1] === bound[1];
    default:
      // A bare version matches on the parts it names: `20` is any 20.x.
      return version.slice(0, parts).every((v, i) => v === bound[i]);
  }
}

/** True when the version satisfies an npm range: alternatives joined by `||`, each a space-separated AND. */
export function satisfies(version: string, range: string): boolean {
  const v = parseVersion(version);
  return range.split('||').some((alternative) =>
    alternative
      .trim()
      .replace(/(>=|<=|>|<)\s+/g, '$1')
      .split(/\s+/)
      .every((comparator) => satisfiesComparator(v, comparator)),
  );
}

describe('dependencies', () => {
  it('reads npm engine ranges as npm does', () => {
    assert.equal(satisfies('20.19.0', '>=22'), false);
    assert.equal(satisfies('20.19.0', '18 || 20 || >=22'), true);
    assert.equal(satisfies('20.19.0', '^20.19.0 || >=22.12.0'), true);
    assert.equal(satisfies('20.18.0', '^20.19.0 || >=22.12.0'), false);
    assert.equal(satisfies('20.19.0', '>=16 || 14 >=14.17'), true);
    assert.equal(satisfies('20.19.0', '10.* || >= 12.*'), true);
  });

  it('installs on the oldest Node.js the package claims: every locked package accepts it', () => {
    const oldest = /^>=\s*(\d+\.\d+(?:\.\d+)?)$/.exec(readJson('package.json').engines.node)?.[1];
    assert.ok(oldest, 'package.json engines.node is a single >= bound');
    const lock = readJson('package-lock.json') as { packages: Record<string, { engines?: { node?: string } }> };
    const refusing = Object.entries(lock.packages)
      .filter(([, meta]) => meta.engines?.node && !satisfies(oldest, meta.engines.node))
      .map(([path, meta]) => `${path} needs node ${meta.engines?.node}`);
    assert.deepEqual(refusing, []);
  });
});

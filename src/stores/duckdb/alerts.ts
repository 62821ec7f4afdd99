import type { DuckDBConnection, DuckDBValue } from '@duckdb/node-api';
import type { AlertPeriod, AlertRule } from '../../model/alerts.js';
import { ruleFromSpec, ruleSpec } from '../alert-spec.js';
import type { AlertLease, AlertPeriodQuery, AlertStore } from '../store.js';
import { guarded } from './faults.js';

/** One process holds a DuckDB file, so it is the one evaluator: the lease is always its own. */
const OWN_LEASE: AlertLease = { hold: async () => true, release: async () => {} };

/** Alert rules and periods in the DuckDB file, on the store's shared connection. */
export class DuckDBAlerts implements AlertStore {
  constructor(
    private readonly path: string,
    private readonly connection: DuckDBConnection,
  ) {}

  private read(sql: string, params: DuckDBValue[] = []) {
    return guarded(this.path, async () => (await this.connection.runAndReadAll(sql, params)).getRowObjectsJS());
  }

  private exec(sql: string, params: DuckDBValue[] = []) {
    return guarded(this.path, () => this.connection.run(sql, params));
  }

  async createAlertRule(rule: AlertRule): Promise<void> {
    await this.exec('INSERT INTO alert_rules VALUES ($1, $2, $3, $4)', [
      rule.id,
      rule.zone,
      ruleSpec(rule),
      rule.createdAt,
    ]);
  }

  async alertRules(zone?: string): Promise<AlertRule[]> {
    const where = zone === undefined ? '' : 'WHERE zone = $1';
    const rows = await this.read(
      `SELECT id, zone, created_at_ms, spec FROM alert_rules ${where} ORDER BY created_at_ms, id`,
      zone === undefined ? [] : [zone],
    );
    return rows.map((r) => ruleFromSpec(String(r.id), String(r.zone), Number(r.created_at_ms), String(r.spec)));
  }

  async deleteAlertRule(zone: string, id: string): Promise<boolean> {
    const result = await this.exec('DELETE FROM alert_rules WHERE zone = $1 AND id = $2', [zone, id]);
    // After the rule: periods left by a failure in between belong to no rule, and no reader shows those.
    await this.exec('DELETE FROM alert_periods WHERE zone = $1 AND rule_id = $2', [zone, id]);
    return result.rowsChanged > 0;
  }

  async saveAlertPeriod(period: AlertPeriod, keep: number): Promise<void> {
    await this.exec('INSERT OR REPLACE INTO alert_periods VALUES ($1, $2, $3, $4, $5, $6)', [
      period.ruleId,
      period.zone,
      period.start,
      period.end,
      period.shortBurn,
      period.longBurn,
    ]);
    // The rule's newest `keep` stay; the subquery is the oldest of them (NULL, deleting nothing, when there are none).
    await this.exec(
      `DELETE FROM alert_periods WHERE rule_id = $1 AND start_ms < (
         SELECT min(start_ms) FROM (SELECT start_ms FROM alert_periods WHERE rule_id = $1 ORDER BY start_ms DESC LIMIT $2))`,
      [period.ruleId, keep],
    );
  }

  async alertPeriods(q: AlertPeriodQuery): Promise<AlertPeriod[]> {
    const rows = await this.read(
      `${PERIOD_COLUMNS} WHERE zone = $1 AND ($2::VARCHAR IS NULL OR rule_id = $2) AND start_ms < $4
         AND (end_ms IS NULL OR end_ms > $3) ORDER BY start_ms DESC, rule_id LIMIT $5`,
      [q.zone, q.ruleId ?? null, q.from, q.to, q.limit],
    );
    return rows.map(toPeriod);
  }

  async openAlertPeriods(): Promise<AlertPeriod[]> {
    return (await this.read(`${PERIOD_COLUMNS} WHERE end_ms IS NULL`)).map(toPeriod);
  }

  evaluatorLease(): AlertLease {
    return OWN_LEASE;
  }
}

const PERIOD_COLUMNS = 'SELECT rule_id, zone, start_ms, end_ms, short_burn, long_burn FROM alert_periods';

function toPeriod(r: Record<string, unknown>): AlertPeriod {
  return {
    ruleId: String(r.rule_id),
    zone: String(r.zone),
    start: Number(r.start_ms),
    end: r.end_ms === null ? null : Number(r.end_ms),
    shortBurn: Number(r.short_burn),
    longBurn: Number(r.long_burn),
  };
}

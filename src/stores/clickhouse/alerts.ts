import type { AlertPeriod, AlertRule } from '../../model/alerts.js';
import { ruleFromSpec, ruleSpec } from '../alert-spec.js';
import type { AlertLease, AlertPeriodQuery, AlertStore } from '../store.js';
import { KeyClaim } from './claim.js';
import type { ClickHouseConnection } from './connection.js';
import { int, str } from './sql.js';

const PERIOD_COLUMNS = 'SELECT rule_id, zone, start_ms, end_ms, short_burn, long_burn FROM alert_periods FINAL';

/** The claim key of the evaluator's lease: one per database, so one evaluator per shared store. */
const EVALUATOR_KEY = 'alerts:evaluator';

/**
 * Alert rules and periods in ReplacingMergeTree tables (18.16 has no UPDATE): a rule is created
 * at version 0 and deleted by a tombstone at version 1; a period is opened at version 0 and ended
 * at version 1. Reads take the newest version (FINAL). Rows no reader needs (deleted rules, periods
 * past a rule's cap) are removed by ALTER ... DELETE, which ClickHouse applies in the background.
 */
export class ClickHouseAlerts implements AlertStore {
  constructor(private readonly connection: ClickHouseConnection) {}

  async createAlertRule(rule: AlertRule): Promise<void> {
    await this.connection.insert('alert_rules', [
      { zone: rule.zone, id: rule.id, spec: ruleSpec(rule), created_at_ms: rule.createdAt, deleted: 0, version: 0 },
    ]);
  }

  alertRules(zone?: string): Promise<AlertRule[]> {
    return this.ruleRows(zone === undefined ? '1' : `zone = ${str(zone)}`);
  }

  private async ruleRows(where: string): Promise<AlertRule[]> {
    const rows = await this.connection.rows<{ id: string; zone: string; created_at_ms: string; spec: string }>(
      `SELECT id, zone, created_at_ms, spec FROM alert_rules FINAL WHERE ${where} AND deleted = 0
       ORDER BY created_at_ms, id`,
    );
    return rows.map((r) => ruleFromSpec(r.id, r.zone, Number(r.created_at_ms), r.spec));
  }

  async deleteAlertRule(zone: string, id: string): Promise<boolean> {
    const [rule] = await this.ruleRows(`zone = ${str(zone)} AND id = ${str(id)}`);
    if (!rule) return false;
    await this.connection.insert('alert_rules', [
      { zone, id, spec: '', created_at_ms: rule.createdAt, deleted: 1, version: 1 },
    ]);
    // The tombstone hides the rule now; the mutations remove its periods and its first row. The
    // tombstone stays: a mutation applies part by part, and removing both rows could leave the
    // first one alone for a moment, the rule back from the dead.
    await this.connection.run(`ALTER TABLE alert_periods DELETE WHERE rule_id = ${str(id)}`);
    await this.connection.run(`ALTER TABLE alert_rules DELETE WHERE id = ${str(id)} AND deleted = 0`);
    return true;
  }

  async saveAlertPeriod(period: AlertPeriod, keep: number): Promise<void> {
    await this.connection.insert('alert_periods', [
      {
        zone: period.zone,
        rule_id: period.ruleId,
        start_ms: period.start,
        end_ms: period.end ?? 0,
        short_burn: period.shortBurn,
        long_burn: period.longBurn,
        version: period.end === null ? 0 : 1,
      },
    ]);
    if (period.end !== null) return;
    // A new period may put the rule past its cap: the oldest beyond it go (in the background, within seconds).
    const rule = str(period.ruleId);
    const [oldestKept] = await this.connection.rows<{ start_ms: string }>(
      `SELECT start_ms FROM alert_periods FINAL WHERE rule_id = ${rule} ORDER BY start_ms DESC LIMIT 1 OFFSET ${int(keep - 1)}`,
    );
    if (oldestKept) {
      await this.connection.run(
        `ALTER TABLE alert_periods DELETE WHERE rule_id = ${rule} AND start_ms < ${int(Number(oldestKept.start_ms))}`,
      );
    }
  }

  async alertPeriods(q: AlertPeriodQuery): Promise<AlertPeriod[]> {
    const rule = q.ruleId === undefined ? '' : `AND rule_id = ${str(q.ruleId)}`;
    return this.periodRows(
      `${PERIOD_COLUMNS} WHERE zone = ${str(q.zone)} ${rule} AND start_ms < ${int(q.to)}
       AND (end_ms = 0 OR end_ms > ${int(q.from)}) ORDER BY start_ms DESC, rule_id LIMIT ${int(q.limit)}`,
    );
  }

  /**
   * Each rule's newest period, when it has not ended. Only the newest: the cap's mutation applies
   * part by part, so for a moment an old period's opening row can be there without its ending one.
   */
  openAlertPeriods(): Promise<AlertPeriod[]> {
    return this.periodRows(
      `SELECT * FROM (${PERIOD_COLUMNS} ORDER BY start_ms DESC LIMIT 1 BY rule_id) WHERE end_ms = 0`,
    );
  }

  private async periodRows(query: string): Promise<AlertPeriod[]> {
    const rows = await this.connection.rows<Record<string, string | number>>(query);
    return rows.map((r) => ({
      ruleId: String(r.rule_id),
      zone: String(r.zone),
      start: Number(r.start_ms),
      end: Number(r.end_ms) || null,
      shortBurn: Number(r.short_burn),
      longBurn: Number(r.long_burn),
    }));
  }

  evaluatorLease(leaseMs: number): AlertLease {
    return new EvaluatorLease(this.connection, leaseMs);
  }
}

/**
 * The evaluator's lease as a commit claim on a fixed key (`claim.ts`): CREATE TABLE of one name
 * succeeds in exactly one process, a holder renews it, and a claim older than the lease (its
 * process died or stalled) is taken over. Asking never waits: a busy claim is "not this process".
 */
class EvaluatorLease implements AlertLease {
  private claim: KeyClaim | undefined;

  constructor(
    private readonly connection: ClickHouseConnection,
    private readonly leaseMs: number,
  ) {}

  async hold(): Promise<boolean> {
    try {
      if (this.claim) {
        await this.claim.hold();
        await this.claim.dropOlder();
        return true;
      }
      this.claim = await KeyClaim.acquire(
        this.connection,
        EVALUATOR_KEY,
        { leaseMs: this.leaseMs, waitMs: 0 },
        async () => false,
      );
      return this.claim !== undefined;
    } catch {
      // Held by another process, taken over, or ClickHouse away: not this process's turn. A claim
      // this process still had expires with its lease, and it asks again next time.
      this.claim = undefined;
      return false;
    }
  }

  async release(): Promise<void> {
    await this.claim?.release();
    this.claim = undefined;
  }
}

import * as fc from 'fast-check';
import * as path from 'node:path';
import { MARTS } from '../../config/marts';
import { readContractTables } from '../../lib/marts/contract-adapter';
import { MAX_PARTITIONS_PER_WRITE } from '../../lib/marts/curated';
import type { Mart } from '../../lib/marts/declaration';
import { trinoSql } from '../../lib/marts/trino-parser';
import { curatedLookbackHours, martLevels, planSteps, renderPipelinePlan, renderPipelinePlanTemplate, windowSettingValues } from '../../lib/pipeline/plan';
import { fillTemplate, PLACEHOLDER_PATTERNS, PLACEHOLDERS, placeholdersOf, type PlaceholderName } from '../../lib/pipeline/template';

const contracts = readContractTables(path.join(__dirname, '../../config/contracts'));
const options = { goLiveDate: '2026-11-01', lookbackHours: 3 };
const plan = renderPipelinePlan('dev', MARTS, contracts, options);

/** A mart stub with only what martLevels reads. */
const stub = (name: string, dependsOn: string[] = []): Mart => ({ name, table: `marts.${name}`, dependsOn }) as unknown as Mart;

const sample: Record<PlaceholderName, string> = {
  sinceDt: '2026-11-30',
  sinceHour: '07',
  lo: '2026-11-01',
  hi: '2026-12-01',
  chunk: '205',
  runStartedAt: '2026-12-01T10:05:00.123Z',
  executionId: 'arn:aws:states:eu-west-1:111111111111:execution:lakeforge-dev-pipeline:abc',
  backfillFrom: '',
  goLiveDate: '2026-11-01',
  lookbackHours: '3',
};

describe('curatedLookbackHours', () => {
  it.each([
    [{ maxRecordAgeSeconds: 3600, timeoutSeconds: 120 }, 1, 3],
    [{ maxRecordAgeSeconds: 24 * 3600, timeoutSeconds: 120 }, 1, 26],
    [{ maxRecordAgeSeconds: 24 * 3600, timeoutSeconds: 0 }, 0, 24],
  ])('covers the longest arrival-to-raw delay %o plus a %i h margin: %i h', (ingestion, margin, hours) => {
    expect(curatedLookbackHours(ingestion, margin)).toBe(hours);
  });

  it('is never shorter than the delay a record can have (property)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 60, max: 604_800 }), fc.integer({ min: 1, max: 900 }), fc.integer({ min: 0, max: 48 }), (age, timeout, margin) => {
        expect(curatedLookbackHours({ maxRecordAgeSeconds: age, timeoutSeconds: timeout }, margin) * 3600).toBeGreaterThanOrEqual(age + timeout + margin * 3600);
      }),
    );
  });

  it('fails on a negative input', () => {
    expect(() => curatedLookbackHours({ maxRecordAgeSeconds: -1, timeoutSeconds: 0 }, 1)).toThrow(/maxRecordAgeSeconds must be a finite number ≥ 0/);
  });
});

describe('martLevels', () => {
  it('puts a mart one level after the marts it reads, curated dependencies at level 0', () => {
    const levels = martLevels([stub('c', ['marts.b']), stub('a', ['curated.x_v1']), stub('b', ['marts.a']), stub('d', ['marts.a'])]);
    expect(levels.map((l) => l.map((m) => m.name))).toEqual([['a'], ['b', 'd'], ['c']]);
  });

  it('fails on a cycle and on an unknown mart', () => {
    expect(() => martLevels([stub('a', ['marts.b']), stub('b', ['marts.a'])])).toThrow(/cycle/);
    expect(() => martLevels([stub('a', ['marts.nope'])])).toThrow(/unknown mart marts\.nope/);
  });

  it('orders every declared mart after everything it depends on', () => {
    const levelOf = new Map(plan.martLevels.flatMap((l, i) => l.map((s) => [s.id, i] as const)));
    for (const m of MARTS) {
      for (const d of m.dependsOn.filter((x) => x.startsWith('marts.'))) expect(levelOf.get(d)!).toBeLessThan(levelOf.get(m.table)!);
    }
    expect([...levelOf.keys()].sort()).toEqual(MARTS.map((m) => m.table).sort());
  });
});

describe('renderPipelinePlan', () => {
  it('has one curated step per contract MODEL with window, chunks, write, watermark and freshness', () => {
    expect(plan.curated.map((s) => s.id)).toEqual(contracts.map((c) => `curated.${c.tableName}`));
    for (const s of plan.curated) {
      expect([s.windowQuery, s.chunksQuery, s.watermarkStatement, s.freshnessQuery].every((q) => typeof q === 'string')).toBe(true);
    }
  });

  it('leaves the go-live date and the lookback as run-time placeholders in every window query, and keeps their values beside the statements', () => {
    for (const s of plan.curated) {
      expect(placeholdersOf(s.windowQuery!)).toEqual(expect.arrayContaining(['goLiveDate', 'lookbackHours', 'backfillFrom']));
      expect(s.windowQuery).toContain(`CAST('${PLACEHOLDERS.goLiveDate}' AS timestamp)`);
      expect(s.windowQuery).toContain(`INTERVAL '${PLACEHOLDERS.lookbackHours}' HOUR`);
      expect(s.windowQuery).not.toContain(options.goLiveDate);
    }
    expect(windowSettingValues(plan)).toEqual({ goLiveDate: options.goLiveDate, lookbackHours: String(options.lookbackHours) });
  });

  it('renders the same statements whatever the window settings (what a product team publishes before it knows them)', () => {
    const other = renderPipelinePlan('dev', MARTS, contracts, { goLiveDate: '2020-01-01', lookbackHours: 26 });
    const { goLiveDate: _g, lookbackHours: _l, ...statements } = plan;
    expect(renderPipelinePlanTemplate('dev', MARTS, contracts)).toEqual(statements);
    expect({ ...other, goLiveDate: plan.goLiveDate, lookbackHours: plan.lookbackHours }).toEqual(plan);
  });

  it.each([
    [{ goLiveDate: '2026-1-01', lookbackHours: 3 }, /goLiveDate must be YYYY-MM-DD, got "2026-1-01"/],
    [{ goLiveDate: "2026-11-01' OR '1'='1", lookbackHours: 3 }, /goLiveDate must be YYYY-MM-DD/],
    [{ goLiveDate: '2026-11-01', lookbackHours: 0 }, /lookbackHours must be a whole number from 1 to 99999, got 0/],
    [{ goLiveDate: '2026-11-01', lookbackHours: 2.5 }, /lookbackHours must be a whole number from 1 to 99999, got 2.5/],
  ])('fails on window settings %j that do not fit their placeholders', (window, message) => {
    expect(() => renderPipelinePlan('dev', MARTS, contracts, window)).toThrow(message);
  });

  it('leaves the watermark table out of maintenance when asked (a product refresh: the platform maintains it)', () => {
    const product = renderPipelinePlanTemplate('dev', [], contracts.slice(0, 1), { maintainWatermarkTable: false });
    expect(product.maintenance.map((m) => m.id)).toEqual([`curated.${contracts[0].tableName}`]);
  });

  it('runs the filled window query in DuckDB with the go-live date and lookback cast as in Trino', async () => {
    const { DuckDBInstance } = await import('@duckdb/node-api');
    const db = await DuckDBInstance.create(':memory:');
    const conn = await db.connect();
    try {
      const sql = (q: string) => conn.runAndReadAll(q).then((r) => r.getRowObjectsJson());
      await expect(sql(`SELECT CAST(CAST('${sample.goLiveDate}' AS timestamp) AS varchar) AS t, CAST(CAST('2026-11-02 05:00:00' AS timestamp) - INTERVAL '${sample.lookbackHours}' HOUR AS varchar) AS l`)).resolves.toEqual([
        { t: '2026-11-01 00:00:00', l: '2026-11-02 02:00:00' },
      ]);
    } finally {
      conn.closeSync();
    }
  });

  it('bounds the raw read by literal partition values and the target by the chunk range', () => {
    for (const s of plan.curated) {
      const filled = fillTemplate(s.writeStatement, sample);
      expect(filled).toContain(`r.dt > '${sample.sinceDt}' OR (r.dt = '${sample.sinceDt}' AND r.hour >= '${sample.sinceHour}')`);
      expect(filled).toMatch(new RegExp(`ON t\\.event_id = s\\.event_id AND t\\.dt BETWEEN '${sample.lo}' AND '${sample.hi}'`));
      expect(filled).not.toMatch(/SELECT[^;]*max\(c\.arrival_time\)/);
    }
  });

  it('chunks curated writes by calendar buckets of the writer limit', () => {
    for (const s of plan.curated) {
      expect(s.chunksQuery).toContain(`/ ${MAX_PARTITIONS_PER_WRITE}e0`);
      expect(plan.maxPartitionsPerWrite).toBe(MAX_PARTITIONS_PER_WRITE);
    }
  });

  it('parses the window query with the Trino grammar before its placeholders are filled (CAST(\'{{go_live_date}}\' …), INTERVAL \'{{lookback_hours}}\' HOUR)', () => {
    for (const s of plan.curated) expect(trinoSql().validate(s.windowQuery!)).toEqual([]);
  });

  it('every statement still parses with the Trino grammar once its placeholders are filled', () => {
    for (const s of planSteps(plan)) {
      for (const sql of [s.windowQuery, s.chunksQuery, s.writeStatement, s.watermarkStatement, s.freshnessQuery]) {
        if (sql === undefined) continue;
        const filled = fillTemplate(sql, sample);
        expect(placeholdersOf(filled)).toEqual([]);
        expect(trinoSql().validate(filled)).toEqual([]);
      }
    }
  });

  it('maintains every curated and mart table and the watermark table, OPTIMIZE of curated tables bounded to recent partitions', () => {
    expect(plan.maintenance.map((m) => m.id).sort()).toEqual(
      [...contracts.map((c) => `curated.${c.tableName}`), ...MARTS.map((m) => m.table), 'curated.lakeforge_watermarks'].sort(),
    );
    for (const m of plan.maintenance) {
      expect(m.statements[0]).toMatch(/^OPTIMIZE lakeforge_dev_\w+\.\w+ REWRITE DATA USING BIN_PACK/);
      expect(m.statements[1]).toBe(`VACUUM ${m.table.database}.${m.table.table}`);
      if (m.id.startsWith('curated.') && m.id !== 'curated.lakeforge_watermarks') expect(m.statements[0]).toContain("INTERVAL '30' DAY");
    }
  });

  it.each([0, 100, 1.5])('fails when optimizeRecentDays is %p', (d) => {
    expect(() => renderPipelinePlan('dev', MARTS, contracts, { ...options, optimizeRecentDays: d })).toThrow(/optimizeRecentDays must be a whole number from 1 to 99/);
  });

  it('is JSON-serializable (it is the state machine item source)', () => {
    expect(JSON.parse(JSON.stringify(plan))).toEqual(plan);
  });
});

describe('fillTemplate', () => {
  it('replaces every occurrence and leaves placeholders without a value', () => {
    expect(fillTemplate("'{{lo}}' '{{lo}}' '{{hi}}'", { lo: '2026-01-01' })).toBe("'2026-01-01' '2026-01-01' '{{hi}}'");
  });

  it.each<[PlaceholderName, string]>([
    ['lo', "2026-01-01' OR '1'='1"],
    ['sinceDt', '2026-1-1'],
    ['backfillFrom', "2026-01-01'; DROP TABLE x; --"],
    ['executionId', "a'b"],
    ['runStartedAt', '2026-12-01 10:00:00'],
  ])('refuses a %s value that could leave its string literal: %j', (name, value) => {
    expect(() => fillTemplate(`'${PLACEHOLDERS[name]}'`, { [name]: value })).toThrow(new RegExp(`\\{\\{\\w+\\}\\} = .* does not match`));
  });

  it('never lets an accepted value contain a quote (property)', () => {
    const names = Object.keys(PLACEHOLDERS) as PlaceholderName[];
    fc.assert(
      fc.property(fc.constantFrom(...names), fc.string(), (name, value) => {
        let filled: string | undefined;
        try {
          filled = fillTemplate(`'${PLACEHOLDERS[name]}'`, { [name]: value });
        } catch {
          return;
        }
        expect(PLACEHOLDER_PATTERNS[name].test(value)).toBe(true);
        expect(filled.slice(1, -1)).not.toMatch(/['\\]/);
      }),
    );
  });
});

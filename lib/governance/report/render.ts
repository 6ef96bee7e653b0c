import type { AuditEntry, BaselineEntry, StageChanges, StageReport } from './model';

/** Escapes text for HTML element content and attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

const md = (s: string) => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');

/** What each status means, in words an auditor reads (shown in every report). */
export const STATUS_MEANINGS: Readonly<Record<AuditEntry['status'], string>> = {
  compliant: 'the rule was evaluated on the resource and passed',
  finding: 'the rule failed and nobody acknowledged it: synth fails until it is fixed or acknowledged',
  acknowledged: 'the rule failed and an acknowledgement with a reason, owner, approver or ticket and a review date accepts it',
  not_applicable: 'the rule does not concern this kind of resource (counted per rule, not listed)',
};

/** Who accepted an acknowledged entry, in one line. */
function acceptance(e: AuditEntry): string {
  return [e.owner && `owner ${e.owner}`, e.approver && `approved by ${e.approver}`, e.ticket && `ticket ${e.ticket}`, e.reviewBy && `review by ${e.reviewBy}`]
    .filter(Boolean)
    .join(', ');
}

/** `report.md`: header, summary, stacks, per-pack rule counts, findings and acknowledgements, then compliant pairs per rule. */
export function renderMarkdown(r: StageReport): string {
  const out: string[] = [`# Lakeforge compliance report — ${r.stage}`, ''];
  out.push(`- Account / region: ${r.account} / ${r.region}`, `- Commit: ${r.commit}`, `- Generated: ${r.generatedAt}`);
  out.push(`- Tools: ${Object.entries(r.versions).map(([k, v]) => `${k} ${v}`).join(', ')}`, '');
  out.push('## Summary', '', `| findings | acknowledged | compliant | not applicable |`, '|---:|---:|---:|---:|');
  out.push(`| ${r.summary.findings} | ${r.summary.acknowledged} | ${r.summary.compliant} | ${r.summary.notApplicable} |`, '');
  for (const [k, v] of Object.entries(STATUS_MEANINGS)) out.push(`- **${k}**: ${v}`);
  if (r.changes !== undefined) out.push('', ...renderChangesMarkdown(r.stage, r.changes));
  out.push('', '## Stacks', '', '| stack | CloudFormation name | resources | termination protection |', '|---|---|---:|---|');
  for (const s of r.stacks) out.push(`| \`${s.path}\` | ${s.stackName} | ${s.resources} | ${s.terminationProtection ? 'on' : '**off**'} |`);
  out.push('', `## Stateful resources destroyed with their stack: ${r.destroyedWithStack.length}`, '');
  for (const d of r.destroyedWithStack) out.push(`- \`${d.resource}\` (${d.type}, ${d.logicalId})`);
  out.push('', '## Packs', '', '| pack | rules | findings | acknowledged | compliant | not applicable | coverage |', '|---|---:|---:|---:|---:|---:|---|');
  for (const p of r.packs) out.push(`| ${p.name} | ${p.rules} | ${p.findings} | ${p.acknowledged} | ${p.compliant} | ${p.notApplicable} | ${p.coverage} |`);
  const findings = r.entries.filter((e) => e.status === 'finding');
  out.push('', `## Findings: ${findings.length}`, '');
  if (findings.length > 0) out.push('| pack | rule | resource | logical id | detail |', '|---|---|---|---|---|');
  for (const e of findings) out.push(`| ${e.pack} | ${e.rule} | \`${e.resource}\` | ${e.logicalId} | ${md((e.details ?? [e.description]).join('; '))} |`);
  const acks = r.entries.filter((e) => e.status === 'acknowledged');
  out.push('', `## Acknowledged: ${acks.length}`, '', '| pack | rule | resource | detail | reason | accepted |', '|---|---|---|---|---|---|');
  for (const e of acks) out.push(`| ${e.pack} | ${e.rule} | \`${e.resource}\` | ${md((e.details ?? []).join('; '))} | ${md(e.reason ?? '')} | ${md(acceptance(e))} |`);
  out.push('', '## Rules', '');
  for (const p of r.packs) {
    out.push(`### ${p.name}`, '', '| rule | description | evaluated | compliant | findings | acknowledged | not applicable |', '|---|---|---:|---:|---:|---:|---:|');
    for (const s of p.ruleSummaries) out.push(`| ${s.rule} | ${md(s.description)} | ${s.evaluated} | ${s.compliant} | ${s.findings} | ${s.acknowledged} | ${s.notApplicable} |`);
    out.push('');
  }
  out.push('Compliant resources per rule are listed in report.json and index.html.', '');
  return out.join('\n');
}


/** The kinds of change, in the order the reports list them, with their label. */
const CHANGE_KINDS = [
  ['status_changed', 'status changed'],
  ['added', 'added'],
  ['removed', 'removed'],
  ['review_by_changed', 'review date changed'],
] as const;

/** One row of the changes table: the kind of change, the entry, and its status or review date before and after. */
interface ChangeRow {
  readonly kind: (typeof CHANGE_KINDS)[number][0];
  readonly pack: string;
  readonly rule: string;
  readonly resource: string;
  readonly logicalId: string;
  readonly from: string;
  readonly to: string;
}

/** The rows of the changes table: status changes, additions, removals, then review dates (each list in its order). */
function changeRows(c: StageChanges): ChangeRow[] {
  const row = (kind: ChangeRow['kind'], e: Pick<BaselineEntry, 'pack' | 'rule' | 'resource' | 'logicalId'>, from: string, to: string): ChangeRow => ({
    kind,
    pack: e.pack,
    rule: e.rule,
    resource: e.resource,
    logicalId: e.logicalId ?? '',
    from,
    to,
  });
  return [
    ...c.statusChanged.map((e) => row('status_changed', e, e.from, e.to)),
    ...c.added.map((e) => row('added', e, '', e.status)),
    ...c.removed.map((e) => row('removed', e, e.status, '')),
    ...c.reviewByChanged.map((e) => row('review_by_changed', e, e.from ?? 'none', e.to ?? 'none')),
  ];
}

const KIND_LABEL: Readonly<Record<ChangeRow['kind'], string>> = Object.fromEntries(CHANGE_KINDS) as Record<ChangeRow['kind'], string>;

/** The baseline, in words: `2026-11-30T10:00:00.000Z, commit 0123456789ab`. */
export function baselineLabel(c: StageChanges): string {
  const commit = /^[0-9a-f]{40}$/.test(c.baseline.commit) ? c.baseline.commit.slice(0, 12) : c.baseline.commit;
  return `${c.baseline.generatedAt}, commit ${commit}`;
}

/** One sentence that says what changed, or that the stage is new to the baseline. */
export function changesSentence(stage: string, c: StageChanges): string {
  const n = c.counts;
  if (!c.baseline.stageFound) return `${stage} is not in the baseline: all ${n.added} entries are new (added).`;
  if (n.added + n.removed + n.statusChanged + n.reviewByChanged === 0) return 'Nothing changed: every entry has the status (and review date) it had in the baseline.';
  return `${n.statusChanged} status change(s), ${n.added} added, ${n.removed} removed, ${n.reviewByChanged} review date change(s).`;
}

/** The "Changes since" section of `report.md` (a stage missing in the baseline: said plainly, entries in report.json). */
function renderChangesMarkdown(stage: string, c: StageChanges): string[] {
  const out = [`## Changes since ${baselineLabel(c)}`, '', changesSentence(stage, c), ''];
  out.push('| added | removed | status changed | review date changed |', '|---:|---:|---:|---:|');
  out.push(`| ${c.counts.added} | ${c.counts.removed} | ${c.counts.statusChanged} | ${c.counts.reviewByChanged} |`);
  if (!c.baseline.stageFound) return [...out, '', 'The added entries are listed in report.json and index.html.'];
  const rows = changeRows(c);
  if (rows.length > 0) out.push('', '| change | pack | rule | resource | logical id | from | to |', '|---|---|---|---|---|---|---|');
  for (const x of rows) out.push(`| ${KIND_LABEL[x.kind]} | ${x.pack} | ${x.rule} | \`${x.resource}\` | ${x.logicalId} | ${x.from} | ${x.to} |`);
  return out;
}

/** The "Changes since" section of a stage's `index.html`: a sentence, counts, and a sortable, filterable table. */
function renderChangesHtml(stage: string, c: StageChanges): string {
  const h = escapeHtml;
  const rows = changeRows(c);
  const cls = (status: string) => (status === '' || status === 'none' ? '' : ` class="${h(status)}"`);
  return `<h2 id="changes-title">Changes since ${h(baselineLabel(c))}</h2>
<p id="changes-summary">${h(changesSentence(stage, c))}</p>
<table id="changes-counts"><thead><tr><th>Added</th><th>Removed</th><th>Status changed</th><th>Review date changed</th></tr></thead><tbody><tr><td>${c.counts.added}</td><td>${c.counts.removed}</td><td>${c.counts.statusChanged}</td><td>${c.counts.reviewByChanged}</td></tr></tbody></table>
<p><label>Filter <input id="changes-q" type="search" placeholder="rule, resource…"></label> <label>Change <select id="changes-kind"><option value="">all</option>${CHANGE_KINDS.map(([k, label]) => `<option value="${k}">${label}</option>`).join('')}</select></label> <span id="changes-shown">${rows.length}</span> shown. Click a column to sort.</p>
<table id="changes"><thead><tr><th>Change</th><th>Pack</th><th>Rule</th><th>Resource</th><th>Logical id</th><th>From</th><th>To</th></tr></thead><tbody>
${rows.map((x) => `<tr data-change="${x.kind}"><td>${h(KIND_LABEL[x.kind])}</td><td>${h(x.pack)}</td><td>${h(x.rule)}</td><td><code>${h(x.resource)}</code></td><td>${h(x.logicalId)}</td><td${cls(x.from)}>${h(x.from)}</td><td${cls(x.to)}>${h(x.to)}</td></tr>`).join('\n')}
</tbody></table>
`;
}

const STYLE = `body{font:14px/1.45 system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse;margin:1em 0;width:100%}
th,td{border:1px solid #ccc;padding:4px 6px;text-align:left;vertical-align:top}th{background:#f3f3f3;cursor:pointer}
.cards{display:flex;gap:1em}.card{border:1px solid #ccc;border-radius:6px;padding:.6em 1.2em}.card b{display:block;font-size:1.8em}
.finding{background:#fde2e2}.acknowledged{background:#fff4d6}.compliant{background:#e6f6e6}code{font-size:12px}`;

// Sorting (click a header) and filtering (text and a select) of the entries and changes tables; `#status=finding` or
// `#change=added` in the URL preselects the select. No external assets.
const SCRIPT = `(function(){function wire(id,qid,sid,nid,key){var t=document.getElementById(id);if(!t)return;var b=t.tBodies[0],q=document.getElementById(qid),s=document.getElementById(sid);
function f(){var v=q.value.toLowerCase(),w=s.value,n=0;
for(var i=0;i<b.rows.length;i++){var r=b.rows[i],ok=(!w||r.getAttribute('data-'+key)===w)&&r.textContent.toLowerCase().indexOf(v)>=0;r.style.display=ok?'':'none';if(ok)n++}
document.getElementById(nid).textContent=n}
var h=new RegExp('[#&]'+key+'=([a-z_]+)').exec(location.hash);if(h)s.value=h[1];
q.addEventListener('input',f);s.addEventListener('change',f);
Array.prototype.forEach.call(t.tHead.rows[0].cells,function(th,c){th.addEventListener('click',function(){var asc=th.dataset.asc!=='1';th.dataset.asc=asc?'1':'0';
var rows=Array.prototype.slice.call(b.rows);rows.sort(function(x,y){var a=x.cells[c].textContent,z=y.cells[c].textContent;return asc?a.localeCompare(z):z.localeCompare(a)});
rows.forEach(function(r){b.appendChild(r)})})});f()}
wire('entries','q','status','shown','status');wire('changes','changes-q','changes-kind','changes-shown','change')})();`;

/** `index.html` of a stage: self-contained (inline style and script), a summary first, then sortable, filterable tables. */
export function renderHtml(r: StageReport): string {
  const h = escapeHtml;
  const card = (label: string, n: number, cls: string) => `<div class="card ${cls}" data-count="${cls}"><b>${n}</b>${h(label)}</div>`;
  const rows = r.entries
    .map(
      (e) =>
        `<tr class="${e.status}" data-status="${e.status}"><td>${h(e.status)}</td><td>${h(e.pack)}</td><td>${h(e.rule)}</td><td><code>${h(e.resource)}</code></td><td>${h(e.logicalId)}</td><td>${h(e.type)}</td><td>${h((e.details ?? []).join('; ') || e.description)}</td><td>${h(e.reason ?? '')}${e.reason ? `<br><small>${h(acceptance(e))}</small>` : ''}</td></tr>`,
    )
    .join('\n');
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Lakeforge compliance report — ${h(r.stage)}</title><style>${STYLE}</style></head><body>
<h1>Lakeforge compliance report — ${h(r.stage)}</h1>
<p id="verdict">${r.summary.findings === 0 ? 'No open findings: every failed rule is acknowledged with a reason.' : `${r.summary.findings} open finding(s): synth fails until they are fixed or acknowledged.`}</p>
<div class="cards">${card('findings', r.summary.findings, 'finding')}${card('acknowledged', r.summary.acknowledged, 'acknowledged')}${card('compliant', r.summary.compliant, 'compliant')}${card('not applicable', r.summary.notApplicable, 'not_applicable')}</div>
<table id="header"><tr><th>Account</th><td>${h(r.account)}</td></tr><tr><th>Region</th><td>${h(r.region)}</td></tr><tr><th>Commit</th><td><code>${h(r.commit)}</code></td></tr>
<tr><th>Generated</th><td>${h(r.generatedAt)}</td></tr>${Object.entries(r.versions).map(([k, v]) => `<tr><th>${h(k)}</th><td>${h(v)}</td></tr>`).join('')}</table>
${r.changes !== undefined ? renderChangesHtml(r.stage, r.changes) : ''}<h2>What the statuses mean</h2><ul>${Object.entries(STATUS_MEANINGS).map(([k, v]) => `<li><b>${h(k)}</b>: ${h(v)}</li>`).join('')}</ul>
<h2>Stacks</h2><table id="stacks"><thead><tr><th>Stack</th><th>CloudFormation name</th><th>Resources</th><th>Termination protection</th></tr></thead><tbody>
${r.stacks.map((s) => `<tr><td><code>${h(s.path)}</code></td><td>${h(s.stackName)}</td><td>${s.resources}</td><td>${s.terminationProtection ? 'on' : '<b>off</b>'}</td></tr>`).join('\n')}</tbody></table>
<h2>Stateful resources destroyed with their stack (${r.destroyedWithStack.length})</h2><ul id="destroyed">${r.destroyedWithStack.map((d) => `<li><code>${h(d.resource)}</code> (${h(d.type)})</li>`).join('')}</ul>
<h2>Packs</h2><table id="packs"><thead><tr><th>Pack</th><th>Rules</th><th>Findings</th><th>Acknowledged</th><th>Compliant</th><th>Not applicable</th><th>Coverage</th></tr></thead><tbody>
${r.packs.map((p) => `<tr><td>${h(p.name)}</td><td>${p.rules}</td><td>${p.findings}</td><td>${p.acknowledged}</td><td>${p.compliant}</td><td>${p.notApplicable}</td><td>${h(p.coverage)}</td></tr>`).join('\n')}</tbody></table>
<h2>Results by rule and resource</h2>
<p><label>Filter <input id="q" type="search" placeholder="rule, resource, reason…"></label> <label>Status <select id="status"><option value="">all</option><option>finding</option><option>acknowledged</option><option>compliant</option></select></label> <span id="shown">${r.entries.length}</span> shown. Click a column to sort.</p>
<table id="entries"><thead><tr><th>Status</th><th>Pack</th><th>Rule</th><th>Resource</th><th>Logical id</th><th>Type</th><th>Detail</th><th>Acknowledgement</th></tr></thead><tbody>
${rows}
</tbody></table>
<script>${SCRIPT}</script></body></html>
`;
}

/**
 * `cdk.out/audit/index.html`: one row per stage with its counts, linking to the stage's report; with a baseline, each
 * stage's change counts and the stages only the baseline has.
 *
 * @param baselineOnly - stages the baseline has and this synthesis has not. @default - none
 */
export function renderOverviewHtml(reports: readonly StageReport[], baselineOnly: readonly string[] = []): string {
  const h = escapeHtml;
  const compared = reports.find((r) => r.changes !== undefined)?.changes;
  const changeCells = (r: StageReport) => {
    const c = r.changes;
    if (compared === undefined) return '';
    if (c === undefined) return '<td colspan="4"></td>';
    if (!c.baseline.stageFound) return `<td>${c.counts.added}</td><td colspan="3">not in the baseline: every entry is new</td>`;
    return `<td>${c.counts.added}</td><td>${c.counts.removed}</td><td>${c.counts.statusChanged}</td><td>${c.counts.reviewByChanged}</td>`;
  };
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Lakeforge compliance reports</title><style>${STYLE}</style></head><body>
<h1>Lakeforge compliance reports</h1>
<p>Commit <code>${h(reports[0]?.commit ?? 'unknown')}</code>, generated ${h(reports[0]?.generatedAt ?? '')}.</p>
${compared !== undefined ? `<p id="baseline">Changes since the report generated ${h(baselineLabel(compared))}.${baselineOnly.length > 0 ? ` Stages in the baseline but not in this synthesis: ${h(baselineOnly.join(', '))}.` : ''}</p>\n` : ''}<table id="stages"><thead><tr><th>Stage</th><th>Account</th><th>Region</th><th>Findings</th><th>Acknowledged</th><th>Compliant</th><th>Not applicable</th><th>Stacks without termination protection</th>${compared !== undefined ? '<th>Added</th><th>Removed</th><th>Status changed</th><th>Review date changed</th>' : ''}</tr></thead><tbody>
${reports
  .map(
    (r) =>
      `<tr class="${r.summary.findings > 0 ? 'finding' : 'compliant'}" data-stage="${h(r.stage)}"><td><a href="${encodeURIComponent(r.stage)}/index.html">${h(r.stage)}</a></td><td>${h(r.account)}</td><td>${h(r.region)}</td><td>${r.summary.findings}</td><td>${r.summary.acknowledged}</td><td>${r.summary.compliant}</td><td>${r.summary.notApplicable}</td><td>${r.stacks.filter((s) => !s.terminationProtection).length}</td>${changeCells(r)}</tr>`,
  )
  .join('\n')}</tbody></table></body></html>
`;
}

/**
 * `cdk.out/audit/index.html` while a synthesis runs (and after one that failed before writing its report): says that
 * there is no report, so that nothing previous can be taken for the current one.
 *
 * @param startedAt - when the synthesis started (ISO 8601).
 */
export function renderIncompleteHtml(startedAt: string): string {
  const h = escapeHtml;
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Lakeforge compliance reports — no report</title><style>${STYLE}</style></head><body>
<h1>Lakeforge compliance reports — no report</h1>
<p id="incomplete" class="finding">A synthesis started at ${h(startedAt)} removed the previous report and has not written a new one. If this page stays, that synthesis failed before the policy checks ran (see its output): fix the error and synthesize again. There is no report to read here.</p>
</body></html>
`;
}

/**
 * Static checks of one Athena (Trino) statement against a {@link CatalogModel}: syntax with
 * dt-sql-parser's Trino grammar, then name resolution on the parse tree — every table and every
 * column reference must exist.
 *
 * Resolution rules (a practical subset of Trino's):
 * - Tables: zone-qualified logical names from the catalog, or CTE names from an enclosing `WITH`.
 * - Sources in scope: FROM relations and joins (alias, or the table's last name part), subqueries
 *   (columns from their SELECT list), `UNNEST(...) AS t(c1, …)` (lateral), `MERGE … USING`.
 * - `a.b.c`: `a` is a source alias → `b` is its column and `c` a struct field; otherwise `a` is a
 *   column and `b.c` are struct fields (checked when the column's Glue type is a struct).
 *   `raw.t.col` (full logical name as qualifier) is accepted too.
 * - Unqualified names are searched in the innermost query first, then outer queries (correlated
 *   subqueries); lambda parameters (`x -> …`) shadow columns; ORDER BY may use output aliases.
 * - Columns of sources whose columns cannot be known (unknown table) are not checked further, so
 *   one missing table yields one error, not one per column.
 */
import type { ParseTree, ParserRuleContext } from 'antlr4ng';
import type * as P from 'dt-sql-parser/dist/lib/trino/TrinoSqlParser';
import { allColumns, structFields, type CatalogModel } from './catalog-model';
import { NULL_TYPE, arrayElementType, commonSuperType, commonSuperTypeOf, functionResultType, mapTypes, normalizeGlueType, numericLiteralType, trinoToGlueType } from './sql-types';
import { loadTrino, trinoSql, type TrinoModule } from './trino-parser';

/** What went wrong with a statement. */
export type SqlIssueKind = 'syntax' | 'statement-count' | 'unknown-table' | 'unknown-column' | 'ambiguous-column';

/** One problem found in a statement; positions are 1-based. */
export interface SqlIssue {
  readonly kind: SqlIssueKind;
  /** Human-readable, names the offending reference. */
  readonly message: string;
  /** 1-based line in the statement text. */
  readonly line: number;
  /** 1-based column in the statement text. */
  readonly column: number;
  /** The table or column name that could not be resolved. @default - none (syntax errors) */
  readonly reference?: string;
}

/** An output column of a query: name, the Glue type it produces when known, and where it is selected. */
export interface OutputColumn {
  readonly name: string;
  /**
   * Glue type when it can be inferred (see `sql-types.ts`: column references, literals, CAST, the common
   * aggregates and functions), else `undefined`. `'null'` for a bare `NULL`.
   */
  readonly type?: string;
  /** 1-based line of the select item. @default - unknown (e.g. `SELECT *`) */
  readonly line?: number;
  /** 1-based column of the select item. @default - unknown */
  readonly column?: number;
}

/** The result of {@link analyzeStatement}. */
export interface StatementAnalysis {
  readonly issues: readonly SqlIssue[];
  /** Catalog tables read (sorted, zone-qualified logical names). */
  readonly tablesRead: readonly string[];
  /** Catalog tables written by INSERT/MERGE (sorted). */
  readonly tablesWritten: readonly string[];
  /** Output columns of a query statement (`undefined` for INSERT/MERGE and on syntax errors). */
  readonly outputColumns?: readonly OutputColumn[];
}

type Columns = ReadonlyMap<string, string | undefined> | undefined;

interface Source {
  /** Names that qualify this source's columns (alias, or the table's full and last name). */
  readonly names: readonly string[];
  /** Column name → Glue type (undefined type = unknown); `undefined` map = columns unknown, accept all. */
  readonly columns: Columns;
}

interface Scope {
  readonly sources: Source[];
  readonly parent?: Scope;
  readonly lambdaParams?: ReadonlySet<string>;
  readonly outputAliases?: ReadonlySet<string>;
  readonly ctes: ReadonlyMap<string, readonly OutputColumn[]>;
}

/**
 * Parses and resolves one statement.
 *
 * @param sql - exactly one Trino statement (a trailing `;` is allowed).
 * @param catalog - the tables the statement may reference.
 * @returns issues (empty when the statement is valid), tables read and written, output columns.
 */
export function analyzeStatement(sql: string, catalog: CatalogModel): StatementAnalysis {
  const syntax = trinoSql().validate(sql);
  if (syntax.length > 0) {
    return {
      issues: syntax.map((e) => ({ kind: 'syntax', message: e.message, line: e.startLine, column: e.startColumn })),
      tablesRead: [],
      tablesWritten: [],
    };
  }
  const tree = trinoSql().parse(sql) as P.ProgramContext;
  return new Resolver(loadTrino(), catalog, sql).program(tree);
}

function identifierText(ctx: ParseTree | null | undefined): string {
  if (ctx === null || ctx === undefined) return '';
  const text = ctx.getText();
  if (/^".*"$/s.test(text)) return text.slice(1, -1).replace(/""/g, '"').toLowerCase();
  if (/^`.*`$/s.test(text)) return text.slice(1, -1).toLowerCase();
  return text.toLowerCase();
}

function columnsOf(outputs: readonly OutputColumn[]): Map<string, string | undefined> {
  return new Map(outputs.map((c) => [c.name, c.type]));
}

class Resolver {
  private readonly issues: SqlIssue[] = [];
  private readonly read = new Set<string>();
  private readonly written = new Set<string>();
  /** > 0 while inferring types: name resolution then reports nothing (`expr` already reported it). */
  private quiet = 0;

  constructor(
    private readonly T: TrinoModule,
    private readonly catalog: CatalogModel,
    private readonly sql: string,
  ) {}

  program(tree: P.ProgramContext): StatementAnalysis {
    const statements = tree.statements().map((s) => s.singleStatement());
    let outputColumns: readonly OutputColumn[] | undefined;
    if (statements.length !== 1) {
      const at = statements[1]?.start ?? tree.start;
      this.issues.push({
        kind: 'statement-count',
        message: `expected exactly one statement, found ${statements.length}`,
        line: at?.line ?? 1,
        column: (at?.column ?? 0) + 1,
      });
    }
    for (const single of statements) {
      outputColumns = this.statement(single);
    }
    return {
      issues: this.issues,
      tablesRead: [...this.read].sort(),
      tablesWritten: [...this.written].sort(),
      outputColumns,
    };
  }

  private statement(single: P.SingleStatementContext): readonly OutputColumn[] | undefined {
    const T = this.T;
    const root: Scope = { sources: [], ctes: new Map() };
    const stmt = single.getChild(0);
    if (stmt === null) return undefined;
    if (stmt instanceof T.StatementDefaultContext) {
      return this.query(stmt.rootQuery().query(), root);
    }
    if (stmt instanceof T.InsertIntoContext) {
      const target = this.tableSource(stmt.tableRef(), undefined, root, true);
      const list = stmt.columnList();
      if (list !== null) {
        const targetScope: Scope = { sources: [target], ctes: root.ctes };
        for (const ref of list.columnRef()) this.columnRef(ref.qualifiedName(), targetScope);
      }
      this.query(stmt.rootQuery().query(), root);
      return undefined;
    }
    if (stmt instanceof T.MergeContext) {
      const target = this.tableSource(stmt.tableRef(), identifierText(stmt.identifier()) || undefined, root, true);
      const using = this.relation(stmt.relation(), root, []);
      const scope: Scope = { sources: [target, ...using], ctes: root.ctes };
      this.expr(stmt.expression(), scope);
      const targetScope: Scope = { sources: [target], ctes: root.ctes };
      for (const mergeCase of stmt.mergeCase()) {
        if (mergeCase instanceof T.MergeUpdateContext || mergeCase instanceof T.MergeInsertContext) {
          for (const id of mergeCase._targets) this.column([id], targetScope);
        }
        for (const e of mergeCase.getRuleContexts(T.ExpressionContext)) this.expr(e, scope);
      }
      return undefined;
    }
    // Other statement kinds (DDL, SHOW, …): check expressions generically without a catalog scope.
    this.expr(stmt, root);
    return undefined;
  }

  /** A query with optional WITH; returns its output columns. */
  private query(q: P.QueryContext, outer: Scope): readonly OutputColumn[] {
    const T = this.T;
    if (!(q instanceof T.QueryStatementContext)) return [];
    let ctes = outer.ctes;
    const withCtx = q.with();
    if (withCtx !== null) {
      const next = new Map(ctes);
      for (const named of withCtx.namedQuery()) {
        const cols = this.query(named.query(), { ...outer, ctes: next });
        const aliases = named.columnAliases()?.identifier().map(identifierText);
        next.set(
          identifierText(named.identifier()),
          aliases === undefined ? cols : aliases.map((name, i) => ({ name, type: cols[i]?.type })),
        );
      }
      ctes = next;
    }
    return this.queryNoWith(q.queryNoWith(), { ...outer, ctes });
  }

  private queryNoWith(q: P.QueryNoWithContext, outer: Scope): readonly OutputColumn[] {
    const { output, scope } = this.queryTerm(q.queryTerm(), outer);
    const sortScope: Scope = {
      ...(scope ?? { sources: [], ctes: outer.ctes, parent: outer }),
      outputAliases: new Set(output.map((c) => c.name)),
    };
    for (const item of q.sortItem()) {
      const ref = item.columnRef();
      if (ref !== null) this.columnRef(ref.qualifiedName(), sortScope);
      const e = item.expression();
      if (e !== null) this.expr(e, sortScope);
    }
    return output;
  }

  private queryTerm(term: P.QueryTermContext, outer: Scope): { output: readonly OutputColumn[]; scope?: Scope } {
    const T = this.T;
    if (term instanceof T.SetOperationContext) {
      const [left, right] = term.queryTerm();
      const l = this.queryTerm(left, outer);
      this.queryTerm(right, outer);
      return { output: l.output };
    }
    const primary = term.getChild(0);
    if (primary instanceof T.QueryPrimaryDefaultContext) {
      return this.querySpecification(primary.querySpecification(), outer);
    }
    if (primary instanceof T.SubqueryContext) {
      return { output: this.queryNoWith(primary.queryNoWith(), outer) };
    }
    if (primary instanceof T.TableContext) {
      const source = this.tableSource(primary.getRuleContext(0, T.TableRefContext) ?? primary, undefined, outer, false);
      return { output: [...(source.columns ?? new Map()).entries()].map(([name, type]) => ({ name, type })) };
    }
    if (primary instanceof T.InlineTableContext) {
      this.expr(primary, outer);
      return { output: [] };
    }
    return { output: [] };
  }

  private querySpecification(spec: P.QuerySpecificationContext, outer: Scope): { output: readonly OutputColumn[]; scope: Scope } {
    const sources: Source[] = [];
    const scope: Scope = { sources, parent: outer, ctes: outer.ctes };
    for (const rel of spec.relation()) {
      sources.push(...this.relation(rel, scope, sources));
    }
    const output: OutputColumn[] = [];
    for (const item of spec.selectList().selectItem()) {
      const alias = item.identifier();
      const literal = item.selectLiteralColumnName();
      const expression = item.selectExpressionColumnName();
      const tableAll = item.tableAllColumns();
      const at = { line: item.start?.line ?? 1, column: (item.start?.column ?? 0) + 1 };
      if (literal !== null) {
        const resolved = this.columnRef(literal.columnRef().qualifiedName(), scope);
        const parts = literal.columnRef().qualifiedName()?.identifier() ?? [];
        output.push({ name: alias !== null ? identifierText(alias) : identifierText(parts[parts.length - 1]), type: resolved, ...at });
      } else if (expression !== null) {
        this.expr(expression.expression(), scope);
        output.push({ name: alias !== null ? identifierText(alias) : `_col${output.length}`, type: this.typeOf(expression.expression(), scope), ...at });
      } else if (item.selectAllWithoutTable() !== null) {
        for (const s of sources) {
          for (const [name, type] of s.columns ?? new Map<string, string | undefined>()) output.push({ name, type });
        }
      } else if (tableAll !== null) {
        const qualifier = tableAll.primaryExpression().getText().toLowerCase();
        const source = sources.find((s) => s.names.includes(qualifier));
        if (source === undefined) {
          this.unknownColumn(qualifier, tableAll);
        } else {
          for (const [name, type] of source.columns ?? new Map<string, string | undefined>()) output.push({ name, type });
        }
      }
    }
    for (const part of [spec.whereClause(), spec.groupBy(), spec.havingClause(), ...spec.windowDefinition()]) {
      if (part !== null) this.expr(part, scope);
    }
    return { output, scope };
  }

  /** Sources introduced by one FROM relation (joins flattened); `previous` are visible laterally. */
  private relation(rel: P.RelationContext, scope: Scope, previous: readonly Source[]): Source[] {
    const T = this.T;
    if (rel instanceof T.JoinRelationContext) {
      const left = this.relation(rel.relation(0)!, scope, previous);
      const rightCtx = rel.sampledRelation() ?? rel.relation(1);
      const right =
        rightCtx === null
          ? []
          : rightCtx instanceof T.SampledRelationContext
            ? this.aliased(rightCtx.patternRecognition().aliasedRelation(), scope, [...previous, ...left])
            : this.relation(rightCtx, scope, [...previous, ...left]);
      const criteria = rel.joinCriteria();
      const joined = [...left, ...right];
      if (criteria !== null) {
        const e = criteria.booleanExpression() ?? criteria.joinColumnEquality();
        if (e !== null) this.expr(e, { ...scope, sources: [...previous, ...joined] });
        for (const id of criteria.identifier()) {
          this.column([id], { ...scope, sources: left, parent: undefined });
          this.column([id], { ...scope, sources: right, parent: undefined });
        }
      }
      return joined;
    }
    if (rel instanceof T.RelationDefaultContext) {
      return this.aliased(rel.sampledRelation().patternRecognition().aliasedRelation(), scope, previous);
    }
    return [];
  }

  private aliased(ctx: P.AliasedRelationContext, scope: Scope, previous: readonly Source[]): Source[] {
    const T = this.T;
    const alias = ctx.identifier() === null ? undefined : identifierText(ctx.identifier());
    const columnAliases = ctx.columnAliases()?.identifier().map(identifierText);
    const primary = ctx.relationPrimary();
    const rename = (source: Source): Source => {
      if (columnAliases === undefined) return source;
      const types = [...(source.columns ?? new Map<string, string | undefined>()).values()];
      return { ...source, columns: new Map(columnAliases.map((n, i) => [n, types[i]])) };
    };
    if (primary instanceof T.TableNameContext) {
      const ref = primary.tableOrViewName().tableRef();
      if (ref === null) return [];
      return [rename(this.tableSource(ref, alias, scope, false))];
    }
    if (primary instanceof T.ParenthesizedRelationContext) {
      return this.relation(primary.relation(), scope, previous);
    }
    if (primary instanceof T.ExpressionSourceTableContext) {
      const src = primary.relationSourceTable();
      const lateral: Scope = { ...scope, sources: [...previous] };
      if (src instanceof T.SubqueryRelationContext) {
        const cols = this.query(src.query(), { ...scope, sources: [] });
        return [rename({ names: alias === undefined ? [] : [alias], columns: columnsOf(cols) })];
      }
      if (src instanceof T.LateralContext) {
        const cols = this.query(src.query(), lateral);
        return [rename({ names: alias === undefined ? [] : [alias], columns: columnsOf(cols) })];
      }
      if (src instanceof T.UnnestContext) {
        for (const e of src.expression()) this.expr(e, lateral);
        // UNNEST(array<T>) yields one T column, UNNEST(map<K,V>) two (K, V); WITH ORDINALITY adds a bigint.
        const types = src.expression().flatMap((e): (string | undefined)[] => {
          const type = this.typeOf(e, lateral);
          const element = arrayElementType(type);
          if (element !== undefined) return [element];
          return mapTypes(type) ?? [undefined];
        });
        if (src.KW_ORDINALITY() !== null) types.push('bigint');
        const typed = columnAliases !== undefined && columnAliases.length === types.length;
        const cols = new Map<string, string | undefined>((columnAliases ?? []).map((n, i) => [n, typed ? types[i] : undefined]));
        return [{ names: alias === undefined ? [] : [alias], columns: columnAliases === undefined ? undefined : cols }];
      }
      this.expr(src, lateral);
      return [{ names: alias === undefined ? [] : [alias], columns: undefined }];
    }
    return [];
  }

  /** Resolves a table reference to a source; records it as read or written; reports unknown tables. */
  private tableSource(ref: ParserRuleContext, alias: string | undefined, scope: Scope, write: boolean): Source {
    const ids = ref.getRuleContexts(this.T.IdentifierContext).map(identifierText);
    const name = ids.join('.');
    const last = ids[ids.length - 1] ?? name;
    const names = alias !== undefined ? [alias] : [name, last];
    if (ids.length === 1 && scope.ctes.has(name)) {
      return { names, columns: columnsOf(scope.ctes.get(name)!) };
    }
    const table = this.catalog.tables.get(name);
    if (table === undefined) {
      this.issue('unknown-table', `unknown table "${name}"`, ref, name);
      return { names, columns: undefined };
    }
    (write ? this.written : this.read).add(name);
    return { names, columns: new Map(allColumns(table).map((c) => [c.name, c.type])) };
  }

  /** Walks an expression subtree, resolving column references and descending into subqueries. */
  private expr(node: ParseTree, scope: Scope): void {
    const T = this.T;
    if (node instanceof T.ColumnReferenceContext) {
      this.columnRef(node.columnName().qualifiedName(), scope);
      return;
    }
    if (node instanceof T.ColumnRefContext) {
      this.columnRef(node.qualifiedName(), scope);
      return;
    }
    if (node instanceof T.DereferenceContext) {
      this.expr(node.primaryExpression(), scope);
      return;
    }
    if (node instanceof T.FunctionNameContext) {
      return;
    }
    if (node instanceof T.LambdaContext) {
      const params = new Set(node.identifier().map(identifierText));
      this.expr(node.expression(), { ...scope, lambdaParams: new Set([...(scope.lambdaParams ?? []), ...params]) });
      return;
    }
    if (node instanceof T.QueryContext) {
      this.query(node, scope);
      return;
    }
    for (let i = 0; i < node.getChildCount(); i++) {
      const child = node.getChild(i);
      if (child !== null) this.expr(child, scope);
    }
  }

  private columnRef(name: P.QualifiedNameContext | null, scope: Scope): string | undefined {
    return name === null ? undefined : this.column(name.identifier(), scope);
  }

  /** Resolves `a[.b[.c…]]`; returns the Glue type of what it names when known. */
  private column(parts: readonly P.IdentifierContext[], scope: Scope): string | undefined {
    const names = parts.map(identifierText);
    const at = parts[0];
    if (scope.lambdaParams?.has(names[0])) return undefined;
    for (let s: Scope | undefined = scope; s !== undefined; s = s.parent) {
      // Qualified by a source name: `alias.col…` or `zone.table.col…`.
      for (const qualifierLength of [2, 1]) {
        if (names.length <= qualifierLength) continue;
        const qualifier = names.slice(0, qualifierLength).join('.');
        const source = s.sources.find((src) => src.names.includes(qualifier));
        if (source !== undefined) {
          return this.inSource(source, names.slice(qualifierLength), parts.slice(qualifierLength));
        }
      }
      const matches = s.sources.filter((src) => src.columns === undefined || src.columns.has(names[0]));
      const known = matches.filter((src) => src.columns !== undefined);
      if (known.length > 1) {
        this.issue('ambiguous-column', `column "${names[0]}" is ambiguous`, at, names[0]);
        return undefined;
      }
      if (known.length === 1) return this.inSource(known[0], names, parts);
      if (matches.length > 0) return undefined;
      if (s.outputAliases?.has(names[0]) === true) return undefined;
    }
    this.unknownColumn(names.join('.'), at);
    return undefined;
  }

  private inSource(source: Source, names: readonly string[], parts: readonly P.IdentifierContext[]): string | undefined {
    if (source.columns === undefined) return undefined;
    if (!source.columns.has(names[0])) {
      this.unknownColumn(names[0], parts[0]);
      return undefined;
    }
    let type = source.columns.get(names[0]);
    for (let i = 1; i < names.length; i++) {
      if (type === undefined) return undefined;
      const fields = structFields(type);
      if (fields === undefined) return undefined;
      const field = fields.find((f) => f.name === names[i]);
      if (field === undefined) {
        this.unknownColumn(names.slice(0, i + 1).join('.'), parts[i]);
        return undefined;
      }
      type = field.type;
    }
    return type;
  }

  private unknownColumn(name: string, at: ParseTree): void {
    this.issue('unknown-column', `unknown column "${name}"`, at, name);
  }

  /**
   * The Glue type an expression produces, when it can be known (see `sql-types.ts`); `undefined` otherwise.
   * Reports nothing: `expr` has already resolved (and reported) the same subtree.
   */
  private typeOf(node: ParseTree | null, scope: Scope): string | undefined {
    this.quiet += 1;
    try {
      return this.inferType(node, scope);
    } finally {
      this.quiet -= 1;
    }
  }

  private inferType(node: ParseTree | null, scope: Scope): string | undefined {
    const T = this.T;
    if (node === null) return undefined;
    // Wrappers with one meaningful child.
    if (node instanceof T.ExpressionContext) return this.inferType(node.booleanExpression(), scope);
    if (node instanceof T.PredicatedContext) {
      return node.predicate() === null ? this.inferType(node.valueExpression(), scope) : 'boolean';
    }
    if (node instanceof T.LogicalNotContext || node instanceof T.AndContext || node instanceof T.OrContext || node instanceof T.ExistsContext) return 'boolean';
    if (node instanceof T.ValueExpressionDefaultContext) return this.inferType(node.primaryExpression(), scope);
    if (node instanceof T.ParenthesizedExpressionContext) return this.inferType(node.expression(), scope);
    if (node instanceof T.ArithmeticUnaryContext) return this.inferType(node.valueExpression(), scope);
    if (node instanceof T.ArithmeticBinaryContext) {
      const [l, r] = node.valueExpression().map((v) => this.inferType(v, scope));
      const type = commonSuperType(l, r);
      // Integer and float arithmetic stays in its type; decimal, date and interval arithmetic is not modelled.
      return type === NULL_TYPE || (type !== undefined && !/^(tinyint|smallint|int|bigint|float|double)$/.test(type)) ? undefined : type;
    }
    if (node instanceof T.ConcatenationContext) {
      const types = node.valueExpression().map((v) => this.inferType(v, scope));
      return types.every((t) => t === 'string') ? 'string' : undefined;
    }
    // Column references.
    if (node instanceof T.ColumnReferenceContext) return this.columnRef(node.columnName().qualifiedName(), scope);
    if (node instanceof T.DereferenceContext) {
      const base = this.inferType(node.primaryExpression(), scope);
      const field = identifierText(node.identifier());
      return base === undefined ? undefined : structFields(base)?.find((f) => f.name === field)?.type;
    }
    if (node instanceof T.SubscriptContext) {
      const base = this.inferType(node.primaryExpression(), scope);
      return arrayElementType(base) ?? mapTypes(base)?.[1];
    }
    // Literals.
    if (node instanceof T.NumericLiteralContext) return numericLiteralType(node.number().getText());
    if (node instanceof T.StringLiteralContext) return 'string';
    if (node instanceof T.BooleanLiteralContext) return 'boolean';
    if (node instanceof T.NullLiteralContext) return NULL_TYPE;
    if (node instanceof T.TypeConstructorContext) {
      const name = node.KW_DOUBLE() !== null ? 'double' : identifierText(node.identifier());
      return trinoToGlueType(name);
    }
    if (node instanceof T.CurrentDateContext) return 'date';
    if (node instanceof T.TrimContext || node instanceof T.SubstringContext) return 'string';
    // Casts, conditionals, constructors and calls.
    if (node instanceof T.CastContext) {
      const type = node.type();
      return trinoToGlueType(this.sql.slice(type.start?.start ?? 0, (type.stop?.stop ?? -1) + 1));
    }
    if (node instanceof T.CoalesceContext) return canonical(commonSuperTypeOf(node.expression().map((e) => this.inferType(e, scope))));
    if (node instanceof T.SearchedCaseContext || node instanceof T.SimpleCaseContext) {
      const results = node.whenClause().map((w) => this.inferType(w.expression()[1] ?? null, scope));
      const otherwise = node instanceof T.SearchedCaseContext ? node.expression() : node.KW_ELSE() === null ? null : node.expression().at(-1) ?? null;
      return canonical(commonSuperTypeOf([...results, otherwise === null ? NULL_TYPE : this.inferType(otherwise, scope)]));
    }
    if (node instanceof T.ArrayConstructorContext) {
      const element = commonSuperTypeOf(node.expression().map((e) => this.inferType(e, scope)));
      return element === undefined || element === NULL_TYPE ? undefined : `array<${element}>`;
    }
    if (node instanceof T.FunctionCallContext) {
      const parts = node.functionName().qualifiedName().identifier();
      const name = identifierText(parts[parts.length - 1]);
      const args = node.ASTERISK() !== null ? [] : node.expression().map((e) => this.inferType(e, scope));
      return canonical(functionResultType(name, args));
    }
    return undefined;
  }

  private issue(kind: SqlIssueKind, message: string, at: ParseTree | ParserRuleContext, reference: string): void {
    if (this.quiet > 0) return;
    const start = 'start' in at ? at.start : null;
    this.issues.push({ kind, message, line: start?.line ?? 1, column: (start?.column ?? 0) + 1, reference });
  }
}

/** A known type in canonical form (see `normalizeGlueType`). */
function canonical(type: string | undefined): string | undefined {
  return type === undefined ? undefined : normalizeGlueType(type);
}

/**
 * Catalog docs: the model of every data product (contracts, tables, columns, PII, physical names,
 * marts) and its Markdown and HTML renderings. Pure; `lakeforge catalog` writes the files.
 */
export * from './model';
export * from './mart-reads';
export * from './markdown';
export * from './html';

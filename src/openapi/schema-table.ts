// A JSON Schema as a readable table: one row per field (nested fields as `a.b`, array items as `a[].b`),
// with its type, whether it is required, and its constraints and description in words.
import { type Html, html } from '../console/html.ts';
import { inline } from './markdown.ts';

type Json = Record<string, unknown>;

export interface FieldRow {
  readonly field: string;
  readonly type: Html;
  readonly required: boolean;
  readonly notes: string;
}

export function schemaTable(schema: Json): Html {
  const rows = fieldRows(schema, '');
  if (rows.length === 0) return html`<p>Type: ${typeOf(schema)}</p>`;
  return html`<table><tr><th>Field</th><th>Type</th><th>Required</th><th>Notes</th></tr>${rows.map(
    (row) =>
      html`<tr><td><code>${row.field}</code></td><td>${row.type}</td><td>${row.required ? 'yes' : ''}</td><td>${inline(row.notes)}</td></tr>`,
  )}</table>`;
}

export function fieldRows(schema: Json, prefix: string): FieldRow[] {
  const properties = (schema.properties ?? {}) as Record<string, Json>;
  const required = new Set((schema.required ?? []) as string[]);
  return Object.entries(properties).flatMap(([name, property]) => {
    const field = `${prefix}${name}`;
    const row = { field, type: typeOf(property), required: required.has(name), notes: notesOf(property) };
    const items = property.items as Json | undefined;
    const nested = property.properties ? fieldRows(property, `${field}.`) : [];
    const itemRows = items?.properties ? fieldRows(items, `${field}[].`) : [];
    return [row, ...nested, ...itemRows];
  });
}

/** `string (date-time)`, `one of "test", "live"`, `array of object`, a link to a named schema, … */
export function typeOf(schema: Json): Html {
  if (typeof schema.$ref === 'string') {
    const name = schema.$ref.split('/').pop() ?? '';
    return html`<a href="#schema-${name}">${name}</a>`;
  }
  const variants = (schema.anyOf ?? schema.oneOf) as Json[] | undefined;
  if (variants) {
    const consts = variants.map((v) => v.const);
    if (consts.every((c) => c !== undefined))
      return html`one of ${consts.map((c) => JSON.stringify(c)).join(', ')}`;
    return html`${variants.map((v, i) => html`${i > 0 ? ' or ' : ''}${typeOf(v)}`)}`;
  }
  if (Array.isArray(schema.enum)) return html`one of ${schema.enum.map((v) => JSON.stringify(v)).join(', ')}`;
  if (schema.type === 'array') return html`array of ${typeOf((schema.items ?? {}) as Json)}`;
  const type = typeof schema.type === 'string' ? schema.type : 'any';
  return html`${type}${typeof schema.format === 'string' ? ` (${schema.format})` : ''}`;
}

function notesOf(schema: Json): string {
  const notes: string[] = [];
  if (typeof schema.description === 'string') notes.push(schema.description.replace(/\.$/, ''));
  const range = (min: unknown, max: unknown, unit: string) => {
    if (min !== undefined && max !== undefined) notes.push(`${min} to ${max}${unit}`);
    else if (min !== undefined) notes.push(`at least ${min}${unit}`);
    else if (max !== undefined) notes.push(`at most ${max}${unit}`);
  };
  range(schema.minLength, schema.maxLength, ' characters');
  range(schema.minimum, schema.maximum, '');
  range(schema.minItems, schema.maxItems, ' items');
  if (typeof schema.pattern === 'string') notes.push(`matches \`${schema.pattern}\``);
  if (schema.default !== undefined) notes.push(`default \`${JSON.stringify(schema.default)}\``);
  return notes.join('; ');
}

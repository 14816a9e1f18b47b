// The little Markdown the API's descriptions use (paragraphs, "- " lists, `code`), rendered through the
// console's escaping template, so no text from a description can become markup.
import { type Html, html } from '../console/html.ts';

/** Text with `code` spans; everything else is escaped by the template. */
export function inline(text: string): Html {
  const parts = text.split('`').map((part, i) => (i % 2 === 1 ? html`<code>${part}</code>` : part));
  return html`${parts}`;
}

export function markdown(text: string): Html {
  const blocks = text.split(/\n\s*\n/).filter((block) => block.trim() !== '');
  return html`${blocks.map(block)}`;
}

function block(text: string): Html {
  const lines = text.split('\n');
  if (!lines[0]?.startsWith('- ')) return html`<p>${inline(lines.map((l) => l.trim()).join(' '))}</p>`;
  const items: string[] = [];
  for (const line of lines) {
    if (line.startsWith('- ')) items.push(line.slice(2).trim());
    else items[items.length - 1] = `${items.at(-1) ?? ''} ${line.trim()}`;
  }
  return html`<ul>${items.map((item) => html`<li>${inline(item)}</li>`)}</ul>`;
}

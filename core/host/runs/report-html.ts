/**
 * The run's report.md as one self-contained HTML file: the same text and
 * tables, with every chart it links (charts/*.svg) embedded as a data URL, so
 * the report travels as a single file. Only the Markdown that core/pipeline's
 * report writes is understood: headings, paragraphs, lists, pipe tables,
 * images, `code`, *emphasis*, **strong**.
 */

const escapeHtml = (text: string): string => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

function inline(text: string): string {
  let out = '';
  // Code spans first: their content is literal.
  const parts = text.split(/(`[^`]*`)/);
  for (const part of parts) {
    if (part.startsWith('`') && part.endsWith('`') && part.length >= 2) {
      out += `<code>${escapeHtml(part.slice(1, -1))}</code>`;
      continue;
    }
    out += escapeHtml(part.replace(/\\\|/g, '|'))
      .replace(/\*\*([^*]+)\*\*/g, '<strong>$1</strong>')
      .replace(/(^|[\s(])\*([^*\s][^*]*)\*/g, '$1<em>$2</em>');
  }
  return out;
}

/** Cells of a pipe-table row; `\|` stays inside a cell. */
function cells(row: string): string[] {
  const inner = row.trim().replace(/^\|/, '').replace(/\|$/, '');
  return inner.split(/(?<!\\)\|/).map((c) => c.trim());
}

export function reportToHtml(markdown: string, charts: ReadonlyMap<string, string>, title: string): string {
  const lines = markdown.split(/\r?\n/);
  const body: string[] = [];
  let paragraph: string[] = [];
  let list: string[] = [];
  const flush = () => {
    if (paragraph.length) body.push(`<p>${inline(paragraph.join(' '))}</p>`);
    if (list.length) body.push(`<ul>\n${list.map((item) => `<li>${inline(item)}</li>`).join('\n')}\n</ul>`);
    paragraph = [];
    list = [];
  };
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    const heading = /^(#{1,3}) (.*)$/.exec(line);
    const image = /^!\[([^\]]*)\]\(([^)]+)\)$/.exec(line.trim());
    if (heading) {
      flush();
      const level = heading[1].length;
      body.push(`<h${level}>${inline(heading[2])}</h${level}>`);
    } else if (image) {
      flush();
      const file = image[2].replace(/^charts\//, '');
      const svg = charts.get(file);
      body.push(
        svg === undefined
          ? `<p class="missing">[chart ${escapeHtml(file)} not found]</p>`
          : `<figure><img alt="${escapeHtml(image[1])}" src="data:image/svg+xml;base64,${Buffer.from(svg, 'utf8').toString('base64')}"></figure>`,
      );
    } else if (line.startsWith('|')) {
      flush();
      const rows: string[] = [];
      while (i < lines.length && lines[i].startsWith('|')) rows.push(lines[i++]);
      i--;
      const [head, rule, ...rest] = rows;
      const align = cells(rule ?? '').map((c) => (c.endsWith(':') ? ' class="num"' : ''));
      body.push(
        '<table>',
        `<thead><tr>${cells(head)
          .map((c, k) => `<th${align[k] ?? ''}>${inline(c)}</th>`)
          .join('')}</tr></thead>`,
        '<tbody>',
        ...rest.map(
          (r) =>
            `<tr>${cells(r)
              .map((c, k) => `<td${align[k] ?? ''}>${inline(c)}</td>`)
              .join('')}</tr>`,
        ),
        '</tbody></table>',
      );
    } else if (line.startsWith('- ')) {
      if (paragraph.length) flush();
      list.push(line.slice(2));
    } else if (line.trim() === '') {
      flush();
    } else if (list.length && line.startsWith('  ')) {
      list[list.length - 1] += ` ${line.trim()}`;
    } else {
      if (list.length) flush();
      paragraph.push(line.trim());
    }
  }
  flush();
  return [
    '<!doctype html>',
    '<html lang="en"><head><meta charset="utf-8">',
    `<title>${escapeHtml(title)}</title>`,
    '<style>',
    'body{font:14px/1.5 system-ui,-apple-system,"Segoe UI",sans-serif;color:#1c2430;max-width:980px;margin:32px auto;padding:0 20px}',
    'h1{font-size:22px}h2{font-size:17px;margin-top:28px;border-bottom:1px solid #e1e5eb;padding-bottom:4px}h3{font-size:14px}',
    'table{border-collapse:collapse;font-size:12.5px;margin:8px 0}th,td{border:1px solid #e1e5eb;padding:4px 8px;text-align:left}',
    'th{background:#f4f6f9}.num{text-align:right}code{font:12px ui-monospace,Menlo,Consolas,monospace;background:#f4f6f9;padding:0 3px}',
    'figure{margin:8px 0}img{max-width:100%;height:auto;border:1px solid #e1e5eb}',
    '</style></head><body>',
    ...body,
    '</body></html>',
    '',
  ].join('\n');
}

/**
 * `GET /docs`: a self-contained page (no CDN, no external script) that renders /openapi.json: every route
 * with its parameters, body, responses and error codes, the stream's event types and the schemas.
 */
export const DOCS_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>ceo-agent API</title>
<style>
  :root { --fg:#1d2330; --muted:#5b6475; --line:#e3e6ec; --bg:#f7f8fa; --get:#1f7a4d; --post:#2255aa; --err:#a33; }
  body { font: 15px/1.5 system-ui, -apple-system, Segoe UI, sans-serif; color: var(--fg); margin: 0; background: var(--bg); }
  header { background: #1d2330; color: #fff; padding: 18px 28px; }
  header h1 { margin: 0; font-size: 22px; }
  header p { margin: 4px 0 0; color: #c9cfdb; max-width: 70em; }
  main { display: grid; grid-template-columns: 260px 1fr; gap: 24px; padding: 20px 28px; }
  nav a { display: block; color: var(--fg); text-decoration: none; padding: 3px 0; font-size: 14px; }
  nav .m { display: inline-block; width: 44px; font-weight: 600; font-size: 12px; }
  section.op { background: #fff; border: 1px solid var(--line); border-radius: 8px; padding: 14px 18px; margin-bottom: 18px; }
  .m.get { color: var(--get); } .m.post { color: var(--post); }
  h2 { font-size: 17px; margin: 0 0 6px; } h2 code { font-size: 16px; }
  h3 { font-size: 14px; margin: 14px 0 4px; color: var(--muted); text-transform: uppercase; letter-spacing: .04em; }
  table { border-collapse: collapse; width: 100%; font-size: 14px; }
  td, th { border-top: 1px solid var(--line); padding: 4px 8px; text-align: left; vertical-align: top; }
  code, pre { font-family: ui-monospace, SFMono-Regular, Menlo, monospace; font-size: 13px; }
  pre { background: #f1f3f7; padding: 8px 10px; border-radius: 6px; overflow: auto; max-height: 360px; }
  .err { color: var(--err); } .muted { color: var(--muted); }
  details summary { cursor: pointer; color: var(--muted); }
</style>
</head>
<body>
<header><h1 id="title">ceo-agent API</h1><p id="desc">Loading /openapi.json…</p></header>
<main><nav id="nav"></nav><div id="ops"></div></main>
<script>
const esc = (s) => String(s ?? '').replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c]);
const md = (s) => esc(s).replace(/\`([^\`]+)\`/g, '<code>$1</code>');
function typeOf(s, doc) {
  if (!s) return '';
  if (s.$ref) return '<a href="#schema-' + s.$ref.split('/').pop() + '">' + esc(s.$ref.split('/').pop()) + '</a>';
  if (s.anyOf) return s.anyOf.map((x) => typeOf(x, doc)).join(' | ');
  if (s.enum) return s.enum.map((e) => '<code>' + esc(JSON.stringify(e)) + '</code>').join(' | ');
  if (s.type === 'array') return typeOf(s.items, doc) + '[]';
  return esc(Array.isArray(s.type) ? s.type.join('|') : s.type ?? 'any') + (s.format ? ' <span class="muted">(' + esc(s.format) + ')</span>' : '');
}
function props(s, doc) {
  if (s && s.$ref) s = doc.components.schemas[s.$ref.split('/').pop()];
  if (!s || !s.properties) return '<pre>' + esc(JSON.stringify(s, null, 2)) + '</pre>';
  const req = new Set(s.required ?? []);
  return '<table><tr><th>field</th><th>type</th><th>notes</th></tr>' + Object.entries(s.properties).map(([k, v]) =>
    '<tr><td><code>' + esc(k) + '</code>' + (req.has(k) ? '' : ' <span class="muted">?</span>') + '</td><td>' + typeOf(v, doc) + '</td><td>' +
    md([v.description, v.minLength !== undefined ? 'min ' + v.minLength + ' chars' : '', v.maxLength !== undefined ? 'max ' + v.maxLength + ' chars' : '',
        v.minimum !== undefined ? '≥ ' + v.minimum : '', v.maximum !== undefined ? '≤ ' + v.maximum : '', v.default !== undefined ? 'default ' + JSON.stringify(v.default) : '']
      .filter(Boolean).join('; ')) + '</td></tr>').join('') + '</table>';
}
async function main() {
  const doc = await (await fetch('openapi.json')).json();
  document.getElementById('title').textContent = doc.info.title + ' ' + doc.info.version;
  document.getElementById('desc').innerHTML = md(doc.info.description) + ' — OpenAPI ' + esc(doc.openapi) + ': <a style="color:#9cf" href="openapi.json">openapi.json</a>';
  const nav = [], ops = [];
  for (const [path, item] of Object.entries(doc.paths)) {
    for (const [method, op] of Object.entries(item)) {
      const id = op.operationId;
      nav.push('<a href="#' + id + '"><span class="m ' + method + '">' + method.toUpperCase() + '</span>' + esc(path) + '</a>');
      let h = '<section class="op" id="' + id + '"><h2><span class="m ' + method + '">' + method.toUpperCase() + '</span> <code>' + esc(path) + '</code></h2>';
      h += '<div>' + md(op.summary) + (op.security && op.security.length ? ' <span class="muted">· Bearer JWT</span>' : ' <span class="muted">· no auth</span>') + '</div>';
      if (op.description) h += '<p>' + md(op.description) + '</p>';
      if (op.parameters) h += '<h3>Parameters</h3><table><tr><th>name</th><th>in</th><th>type</th><th>notes</th></tr>' + op.parameters.map((p) =>
        '<tr><td><code>' + esc(p.name) + '</code>' + (p.required ? '' : ' <span class="muted">?</span>') + '</td><td>' + esc(p.in) + '</td><td>' + typeOf(p.schema, doc) + '</td><td>' + md(p.description) + '</td></tr>').join('') + '</table>';
      if (op.requestBody) for (const [ct, c] of Object.entries(op.requestBody.content)) h += '<h3>Body · ' + esc(ct) + '</h3>' + (ct.includes('json') ? props(c.schema, doc) : '<p>' + md(c.schema.description) + '</p>');
      h += '<h3>Responses</h3><table><tr><th>status</th><th>what</th></tr>' + Object.entries(op.responses).map(([st, r]) =>
        '<tr><td class="' + (Number(st) >= 400 ? 'err' : '') + '">' + esc(st) + '</td><td>' + md(r.description) +
        (r.content && !r['x-error-codes'] ? ' — ' + Object.entries(r.content).map(([ct, c]) => esc(ct) + ': ' + typeOf(c.schema, doc)).join(', ') : '') + '</td></tr>').join('') + '</table>';
      ops.push(h + '</section>');
    }
  }
  nav.push('<a href="#sse-events"><b>Stream events</b></a>', '<a href="#errors"><b>Error codes</b></a>', '<a href="#schemas"><b>Schemas</b></a>');
  ops.push('<section class="op" id="sse-events"><h2>Stream events (<code>text/event-stream</code>)</h2>' + Object.entries(doc['x-sse-events']).map(([name, s]) => '<h3>' + esc(name) + '</h3>' + props(s, doc)).join('') + '</section>');
  ops.push('<section class="op" id="errors"><h2>Error codes</h2><table><tr><th>code</th><th>status</th><th>meaning</th></tr>' + Object.entries(doc['x-error-codes']).map(([c, e]) =>
    '<tr><td><code>' + esc(c) + '</code></td><td>' + e.status + '</td><td>' + md(e.description) + '</td></tr>').join('') + '</table></section>');
  ops.push('<section class="op" id="schemas"><h2>Schemas</h2>' + Object.entries(doc.components.schemas).map(([n, s]) =>
    '<details id="schema-' + esc(n) + '"><summary><code>' + esc(n) + '</code></summary>' + props(s, doc) + '</details>').join('') + '</section>');
  document.getElementById('nav').innerHTML = nav.join('');
  document.getElementById('ops').innerHTML = ops.join('');
  document.body.dataset.ready = 'true';
}
main().catch((e) => { document.getElementById('desc').textContent = 'Could not load openapi.json: ' + e; });
</script>
</body>
</html>
`;

"use strict";
// Trợ lý GNBV web page: chat (streamed), inspectable citations, document reader, training tools.
// Plain browser JavaScript, no build step and no CDN: it runs offline as served by the API.
// The sentences it writes on its own come from prompts/vi.toml ([web]) via GET /api/web/texts;
// the question limit and the documents' citation labels from GET /api/web/config.

const $ = (id) => document.getElementById(id);
let T = {};
let CONFIG = { max_question_chars: 2000, labels: {} };
let conversationId = null;
let documents = [];
let lastChip = null;
let apiKey = sessionStorage.getItem("gnbv-api-key");

const fill = (template, values) => template.replace(/\{(\w+)\}/g, (_, k) => (k in values ? values[k] : `{${k}}`));

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props);
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

// ---- the API, with the read key when the server asks for one ---------------------------------

function askForKey() {
  // one dialog for every request waiting on it: the key is asked once and kept for the tab only
  if (!askForKey.pending) {
    askForKey.pending = new Promise((resolve) => {
      const dialog = $("key-dialog");
      $("key-label").textContent = T.key_prompt || "X-API-Key";
      $("key-submit").textContent = T.key_submit || "OK";
      dialog.onclose = () => {
        askForKey.pending = null;
        resolve(dialog.returnValue === "ok" ? $("key-input").value.trim() : null);
      };
      dialog.showModal();
    });
  }
  return askForKey.pending;
}

async function api(url, options = {}) {
  const send = () => fetch(url, { ...options, headers: { ...(options.headers || {}), ...(apiKey ? { "X-API-Key": apiKey } : {}) } });
  let response = await send();
  if (response.status === 401 && response.headers.get("WWW-Authenticate")) {
    const key = await askForKey();
    if (key) {
      apiKey = key;
      sessionStorage.setItem("gnbv-api-key", key);
      response = await send();
    }
  }
  return response;
}

async function getJSON(url, options) {
  const response = await api(url, options);
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(errorText(body, response));
  return body;
}

const errorText = (body, response) => body.message || (typeof body.detail === "string" ? body.detail : response.statusText || response.status);

const postJSON = (url, payload) =>
  getJSON(url, { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(payload) });

function say(message) {
  $("status").textContent = message;
}

function fail(error) {
  say(fill(T.error || "{detail}", { detail: error.message }));
}

function show(view) {
  for (const name of ["chat", "docs", "training"]) {
    $("view-" + name).hidden = name !== view;
    document.querySelector(`[data-view="${name}"]`).setAttribute("aria-pressed", String(name === view));
  }
}
document.querySelectorAll("nav button[data-view]").forEach((b) => b.addEventListener("click", () => show(b.dataset.view)));

// ---- labels ----------------------------------------------------------------------------------

const span = (start, end) => (start === end ? fill(T.line_label, { start }) : fill(T.lines_label, { start, end }));
const docName = (docId, fallback) => CONFIG.labels[docId] || fallback || docId;
// outline headings keep the source's list marks ("* Tiểu dự án 1"); they are not words
const heading = (text) => text.replace(/^[\s*#+\-•\\]+/, "").replace(/\*\*/g, "").trim();

function vnDate(iso) {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(iso || "");
  return m ? `${m[3]}/${m[2]}/${m[1]}` : iso;
}

// ---- documents and filters -------------------------------------------------------------------

function fillSelect(select, pairs) {
  for (const [value, label] of pairs) select.add(new Option(label, value));
}

const uniq = (xs) => [...new Set(xs.filter((x) => x !== null && x !== undefined && x !== ""))].sort();

async function loadDocuments() {
  documents = await getJSON("/api/documents");
  fillSelect($("f-locality"), uniq(documents.map((d) => d.locality)).map((x) => [x, x]));
  fillSelect($("f-year"), uniq(documents.flatMap((d) => d.years)).map((x) => [x, String(x)]));
  fillSelect($("f-kind"), uniq(documents.map((d) => d.kind)).map((x) => [x, x]));
  const options = documents.map((d) => [d.doc_id, docName(d.doc_id, d.title)]);
  fillSelect($("f-doc"), options);
  fillSelect($("t-doc"), options);
  const list = $("doc-list");
  list.textContent = "";
  for (const d of documents) {
    const link = el("a", { href: `#doc=${encodeURIComponent(d.doc_id)}`, textContent: docName(d.doc_id, d.title) });
    const details = [d.issuer, vnDate(d.date), `${d.chunks} đoạn`].filter(Boolean).join(" · ");
    list.append(el("li", {}, link, el("div", { className: "title", textContent: d.title }), el("small", { textContent: details })));
  }
  await loadProjects();
}

const FILTERS = { locality: "f-locality", year: "f-year", kind: "f-kind", doc_id: "f-doc" };

function filters() {
  const f = {};
  for (const [key, id] of Object.entries(FILTERS)) {
    if ($(id).value) f[key] = key === "year" ? Number($(id).value) : $(id).value;
  }
  return Object.keys(f).length ? f : null;
}

function filterValue(key) {
  const select = $(FILTERS[key]);
  return select.options[select.selectedIndex].text;
}

// ---- the question box ------------------------------------------------------------------------

function questionProblem(text) {
  if (!text.trim()) return T.question_empty;
  const limit = CONFIG.max_question_chars;
  if (text.trim().length > limit) return fill(T.question_too_long, { length: text.trim().length, max: limit });
  return null;
}

function updateCounter() {
  const length = $("question").value.length;
  const limit = CONFIG.max_question_chars;
  const counter = $("question-counter");
  // shown from 80 % of the limit on: an officer pasting a long text sees it coming
  counter.hidden = length < limit * 0.8;
  counter.textContent = fill(T.question_counter || "{length}/{max}", { length, max: limit });
  counter.classList.toggle("over", length > limit);
  const problem = length > limit ? questionProblem($("question").value) : null;
  showQuestionProblem(problem);
}

function showQuestionProblem(problem) {
  $("question-error").textContent = problem || "";
  $("question-error").hidden = !problem;
  if (problem) $("question").setAttribute("aria-invalid", "true");
  else $("question").removeAttribute("aria-invalid");
}

$("question").addEventListener("input", updateCounter);

// ---- chat ------------------------------------------------------------------------------------

function chip(citation) {
  const label = fill(T.citation_label, { n: citation.n, document: docName(citation.doc_id, citation.title), lines: span(citation.line_start, citation.line_end) });
  const button = el("button", { type: "button", className: "chip", textContent: `[${citation.n}]`, title: label });
  button.setAttribute("aria-label", label);
  button.addEventListener("click", () => { lastChip = button; openPassage(citation.chunk_id, citation).catch(fail); });
  return button;
}

function withChips(node, text, citations) {
  for (const part of text.split(/(\[\d+\])/)) {
    const m = part.match(/^\[(\d+)\]$/);
    const citation = m && citations.find((c) => c.n === Number(m[1]));
    node.append(citation ? chip(citation) : document.createTextNode(part));
  }
  return node;
}

// a line of `direct` or `nearby`: its text, then its citations as chips
function citedLine(line, citations) {
  const node = withChips(el("p"), line.text, citations);
  const marked = new Set((line.text.match(/\[(\d+)\]/g) || []).map((m) => Number(m.slice(1, -1))));
  for (const n of line.citations || []) {
    const citation = citations.find((c) => c.n === n);
    if (citation && !marked.has(n)) node.append(" ", chip(citation));
  }
  return node;
}

// answer lines under a small header naming their project and document, once per run of lines
function scoped(lines, citations) {
  const out = [];
  let last = null;
  for (const line of lines) {
    if (line.scope && line.scope !== last) out.push(el("p", { className: "line-scope", textContent: line.scope }));
    last = line.scope;
    out.push(citedLine(line, citations));
  }
  return out;
}

const SCOPE_KEYS = ["locality", "year", "project", "field"];

function scopeChoices(key, current) {
  const fromDocs = {
    locality: uniq(documents.map((d) => d.locality)),
    year: uniq(documents.flatMap((d) => d.years)).map(String),
    project: [1, 2, 3, 4, 5, 6, 7].map((n) => `Dự án ${n}`),
    field: ["Mục tiêu", "Đối tượng", "Địa bàn", "Nội dung", "Kinh phí", "Nguyên tắc phân bổ", "Kết quả", "Phân công thực hiện", "Thời gian thực hiện"],
  }[key];
  return uniq([...fromDocs, current === null || current === undefined ? "" : String(current)]);
}

// the question as the assistant read it, as chips an officer can change before asking again
function scopeForm(frame, question) {
  const scope = frame.scope || {};
  const form = el("form", { className: "scope" });
  form.append(el("span", { className: "scope-heading", textContent: T.scope_heading }));
  if (frame.asked) {
    form.append(el("span", { className: "scope-chip asked", textContent: `${T.scope_asked}: ${T.asked_types[frame.asked] || frame.asked}` }));
  }
  const selects = {};
  for (const key of SCOPE_KEYS) {
    const select = el("select", { name: key });
    select.add(new Option(T.scope_any, ""));
    for (const value of scopeChoices(key, scope[key])) select.add(new Option(value, value));
    select.value = scope[key] === null || scope[key] === undefined ? "" : String(scope[key]);
    selects[key] = select;
    form.append(el("label", { className: "scope-chip" }, el("span", { textContent: T[`scope_${key}`] }), select));
  }
  const again = el("button", { type: "submit", textContent: T.reask, disabled: true });
  form.addEventListener("change", () => { again.disabled = false; });
  form.addEventListener("submit", (e) => {
    e.preventDefault();
    const chosen = { ...scope };
    for (const key of SCOPE_KEYS) {
      const value = selects[key].value;
      chosen[key] = value === "" ? null : key === "year" ? Number(value) : value;
    }
    if (chosen.project !== scope.project) chosen.subproject = null; // a sub-project belongs to its project
    run(question, { scope: chosen });
  });
  form.append(again);
  return form;
}

function sources(citations) {
  const list = el("ol", { className: "sources" });
  for (const c of citations) {
    const where = [docName(c.doc_id, c.title), heading(c.section.split(" › ").pop() || ""), span(c.line_start, c.line_end)].filter(Boolean).join(" · ");
    list.append(el("li", {}, chip(c), " ", el("span", { className: "where", textContent: where }), el("blockquote", { textContent: c.quote })));
  }
  return list;
}

function renderAnswer(node, body, question) {
  node.textContent = "";
  node.classList.toggle("refused", body.refused);
  const direct = body.direct || [];
  if (body.contradiction) node.append(el("p", { className: "contradiction", textContent: T.contradiction_label }));
  if (body.refused) {
    const nearby = body.nearby || [];
    // the answer text says why (and then repeats the nearby lines and sources, shown below on their own)
    const lines = body.answer.split("\n");
    const headers = new Set(nearby.map((line) => line.scope).filter(Boolean));
    const cut = lines.findIndex((l) => /\[\d+\]/.test(l) || headers.has(l.trim()));
    const reason = (nearby.length && cut > 0 ? lines.slice(0, cut) : lines).join("\n").trim();
    node.append(withChips(el("p", { className: "refusal" }, el("strong", { className: "badge", textContent: T.refused_label }), " "), reason, body.citations));
    if (nearby.length) {
      // the reason usually ends by announcing the quotes ("Các tài liệu chỉ nêu:"); else the page's own heading does
      const heading = reason.endsWith(":") ? null : el("h3", { textContent: T.nearby_heading });
      node.append(el("div", { className: "nearby" }, heading, ...scoped(nearby, body.citations)));
    }
  } else if (direct.length) {
    node.append(el("div", { className: "direct" }, el("h3", { className: "sr-only", textContent: T.direct_heading }), ...scoped(direct, body.citations)));
  } else {
    node.append(withChips(el("div", { className: "answer-text" }), body.answer, body.citations));
  }
  // the question as understood comes after the answer: the asked value is what the officer reads first
  if (body.frame && body.frame.scope) node.append(scopeForm(body.frame, question));
  if (body.citations.length) {
    node.append(el("h3", { className: "sources-heading", textContent: T.sources_heading }), sources(body.citations));
  }
  // sections to look at are for a bare refusal; quoted nearby lines already point at them
  if (body.suggestions.length && !(body.nearby || []).length) {
    const list = el("ul", { className: "suggestions" });
    for (const s of body.suggestions) {
      const button = el("button", { type: "button", className: "link", textContent: `${docName(s.doc_id, s.title)} — ${heading(s.section)}` });
      button.addEventListener("click", () => { lastChip = button; openPassage(s.chunk_id, null).catch(fail); });
      list.append(el("li", {}, button));
    }
    node.append(el("p", { textContent: T.suggestions_label }), list);
  }
}

function answerAsText(body) {
  const lines = body.citations.map(
    (c) => `[${c.n}] ${docName(c.doc_id, c.title)}, ${heading(c.section.split(" › ").pop() || "")}, ${span(c.line_start, c.line_end)}: "${c.quote}"`
  );
  const head = (body.direct || []).length ? body.direct.map((d) => d.text).join("\n") : body.answer;
  return [head, "", ...lines].join("\n");
}

async function copyText(text) {
  if (navigator.clipboard && window.isSecureContext) return navigator.clipboard.writeText(text);
  // plain http on a LAN address has no clipboard API: fall back to a selected textarea
  const area = el("textarea", { value: text });
  document.body.append(area);
  area.select();
  document.execCommand("copy");
  area.remove();
}

function feedbackForm(body, question, rating, tools) {
  tools.querySelector("form")?.remove();
  const id = `c-${Math.random().toString(36).slice(2)}`;
  const area = el("textarea", { id, rows: 2, maxLength: 2000 });
  const send = el("button", { type: "submit", textContent: T.send_feedback });
  const form = el("form", { className: "feedback" }, el("label", { htmlFor: id, textContent: T.comment_label }), area, send);
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    send.disabled = true;
    try {
      await postJSON("/api/feedback", { question, answer: body.answer, rating, comment: area.value, citations: body.citations });
      form.replaceWith(el("p", { className: "saved", textContent: T.feedback_saved }));
      tools.querySelectorAll("button[data-rating]").forEach((b) => (b.disabled = true));
    } catch (error) {
      send.disabled = false;
      fail(error);
    }
  });
  tools.append(form);
  area.focus();
}

function addTools(turn, body, question) {
  const tools = el("div", { className: "tools" });
  const copy = el("button", { type: "button", textContent: T.copy_answer });
  copy.addEventListener("click", () => copyText(answerAsText(body)).then(() => say(T.copied), fail));
  tools.append(copy);
  for (const [rating, text, label] of [["up", T.rate_up, T.rate_up_label], ["down", T.rate_down, T.rate_down_label]]) {
    const b = el("button", { type: "button", textContent: text });
    b.dataset.rating = rating;
    b.setAttribute("aria-label", label);
    b.addEventListener("click", () => {
      tools.querySelectorAll("button[data-rating]").forEach((x) => x.setAttribute("aria-pressed", String(x === b)));
      feedbackForm(body, question, rating, tools);
    });
    tools.append(b);
  }
  turn.append(tools);
}

// Server-sent events over a POST body: parsed by hand, since EventSource can only GET.
async function* sseEvents(response) {
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true }).replace(/\r\n?/g, "\n");
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const raw = buffer.slice(0, cut);
      buffer = buffer.slice(cut + 2);
      const event = (raw.match(/^event: ?(.*)$/m) || [])[1] || "message";
      const data = raw.split("\n").filter((l) => l.startsWith("data:")).map((l) => l.replace(/^data: ?/, "")).join("\n");
      if (data) yield { event, data: JSON.parse(data) };
    }
  }
}

function newTurn(question) {
  const answer = el("div", { className: "a", textContent: T.loading });
  answer.setAttribute("aria-busy", "true");
  const turn = el("li", { className: "turn" }, el("div", { className: "q", textContent: question }), answer);
  $("history").append(turn);
  turn.scrollIntoView({ block: "nearest" });
  return { turn, answer };
}

// a stream that stopped before its answer: said so, with a button that asks the same again
function streamFailed(turn, answer, question, extra, detail) {
  answer.textContent = "";
  answer.classList.add("failed");
  const retry = el("button", { type: "button", className: "retry", textContent: T.retry });
  retry.addEventListener("click", () => { turn.remove(); run(question, extra); });
  answer.append(el("p", { textContent: detail ? `${T.stream_failed} (${detail})` : T.stream_failed }), retry);
}

async function ask(question, extra = {}) {
  const { turn, answer } = newTurn(question);
  const payload = { question, stream: true, conversation_id: conversationId, filters: filters(), ...extra };
  let finished = false;
  try {
    const response = await api("/api/chat", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(payload),
    });
    if (!response.ok) {
      const body = await response.json().catch(() => ({}));
      answer.textContent = fill(T.error, { detail: errorText(body, response) });
      return;
    }
    let streamed = "";
    for await (const { event, data } of sseEvents(response)) {
      if (event === "meta") conversationId = data.conversation_id;
      if (event === "delta") answer.textContent = streamed += data.text;
      if (event === "done") {
        finished = true;
        renderAnswer(answer, data, question);
        addTools(turn, data, question);
      }
    }
    if (!finished) streamFailed(turn, answer, question, extra, null);
  } catch (error) {
    if (!finished) streamFailed(turn, answer, question, extra, error.message);
    else throw error;
  } finally {
    answer.removeAttribute("aria-busy");
  }
}

// filters that contradict the question, or match no document, are explained before anything is asked
function filterNotice(question, problems, extra) {
  const { turn, answer } = newTurn(question);
  answer.removeAttribute("aria-busy");
  answer.textContent = "";
  answer.classList.add("filter-problem");
  for (const problem of problems) {
    answer.append(el("p", { textContent: problem.message }));
  }
  const actions = el("div", { className: "tools" });
  const keys = uniq(problems.map((p) => p.key));
  const drop = (toDrop) => {
    for (const key of toDrop) $(FILTERS[key]).value = "";
    turn.remove();
    run(question, extra);
  };
  for (const key of keys) {
    const b = el("button", { type: "button", className: "drop-filter", textContent: fill(T.filter_drop, { value: filterValue(key) }) });
    b.addEventListener("click", () => drop([key]));
    actions.append(b);
  }
  if (!keys.length || problems.some((p) => p.key === null)) {
    const b = el("button", { type: "button", className: "drop-filter", textContent: T.filter_drop_all });
    b.addEventListener("click", () => drop(Object.keys(FILTERS)));
    actions.append(b);
  }
  const keep = el("button", { type: "button", textContent: T.filter_keep });
  keep.addEventListener("click", () => { turn.remove(); run(question, { ...extra, checked: true }); });
  actions.append(keep);
  answer.append(actions);
  actions.querySelector("button").focus();
}

async function run(question, extra = {}) {
  const { checked, ...rest } = extra;
  $("send").disabled = true;
  try {
    const chosen = filters();
    if (chosen && !checked) {
      const check = await postJSON("/api/web/filter-check", { question, filters: chosen });
      if (check.problems.length) { filterNotice(question, check.problems, rest); return; }
    }
    await ask(question, rest);
  } catch (error) {
    fail(error);
  } finally {
    $("send").disabled = false;
  }
}

$("ask").addEventListener("submit", async (e) => {
  e.preventDefault();
  const text = $("question").value;
  const problem = questionProblem(text);
  showQuestionProblem(problem);
  if (problem) { $("question").focus(); return; }
  $("question").value = "";
  updateCounter();
  await run(text.trim());
  $("question").focus();
});
$("question").addEventListener("keydown", (e) => {
  if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); $("ask").requestSubmit(); }
});
$("new-chat").addEventListener("click", () => { conversationId = null; $("history").textContent = ""; $("question").focus(); });
$("filters").addEventListener("submit", (e) => e.preventDefault());

// ---- the citation panel ----------------------------------------------------------------------

function highlight(container, text, quote) {
  // whitespace and list marks may differ (a quote spans wrapped lines): match the words with any spacing
  const words = (quote || "").replace(/^[\s*+\-•]+/, "").trim().split(/\s+/).filter(Boolean).map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  const match = words.length ? new RegExp(words.join("\\s+")).exec(text) : null;
  if (!match) { container.append(text); return null; }
  const mark = el("mark", { textContent: match[0] });
  container.append(text.slice(0, match.index), mark, text.slice(match.index + match[0].length));
  return mark;
}

const plain = (lines) => lines.join("\n").replace(/\*\*|\\(?=[*_#])/g, "").replace(/^#+\s*/gm, "").trim();

async function openPassage(chunkId, citation) {
  const passage = await getJSON(`/api/passages/${encodeURIComponent(chunkId)}`);
  const meta = documents.find((d) => d.doc_id === passage.doc_id) || {};
  const name = docName(passage.doc_id, passage.title);
  $("panel-title").textContent = name;
  $("panel").setAttribute("aria-label", fill(T.passage_label, { document: name }));
  const dl = $("panel-meta");
  dl.textContent = "";
  for (const [term, value] of [
    ["Trích yếu", passage.title], ["Số", meta.number], ["Ngày", vnDate(meta.date)], ["Năm", meta.date ? "" : (meta.years || []).join(", ")],
    ["Địa phương", meta.locality], ["Cơ quan ban hành", meta.issuer],
  ]) {
    if (value) dl.append(el("dt", { textContent: term }), el("dd", { textContent: value }));
  }
  const start = citation ? citation.line_start : passage.line_start;
  const end = citation ? citation.line_end : passage.line_end;
  $("panel-section").textContent = `${passage.section_path.map(heading).join(" › ")} — ${span(start, end)}`;
  const body = el("p", { className: "passage" });
  const mark = highlight(body, passage.text, citation && citation.quote);
  $("panel-text").replaceChildren(
    el("p", { className: "context", textContent: plain(passage.context_before) }),
    body,
    el("p", { className: "context", textContent: plain(passage.context_after) })
  );
  const open = $("panel-open");
  open.textContent = T.open_document;
  open.href = `#doc=${encodeURIComponent(passage.doc_id)}&line=${start}`;
  open.onclick = (e) => { e.preventDefault(); go(passage.doc_id, start); };
  $("panel").hidden = false;
  $("panel").scrollTop = 0;
  $("panel-close").focus({ preventScroll: true });
  // the quoted words, not the panel's top, are what the officer came for; on a phone they are below the fold
  (mark || body).scrollIntoView({ block: "center" });
}

function closePanel() {
  $("panel").hidden = true;
  if (lastChip && document.body.contains(lastChip)) lastChip.focus();
}
$("panel-close").addEventListener("click", closePanel);
document.addEventListener("keydown", (e) => { if (e.key === "Escape" && !$("panel").hidden) closePanel(); });

// ---- document reader -------------------------------------------------------------------------

// Markdown-ish source lines rendered as text: "## **2. Dự án 3…**" is a heading, "- …" a list item,
// "**x**" bold, "|a|b|" a table row. Only lines with words get a number, and it is the source's.
const INLINE = /\*\*(.+?)\*\*|__(.+?)__|(?<![\w*])\*(?!\s)(.+?)(?<!\s)\*(?![\w*])|\\([*_#\\])/g;

function inline(node, text) {
  let last = 0;
  for (const m of text.matchAll(INLINE)) {
    node.append(text.slice(last, m.index));
    if (m[4]) node.append(m[4]);
    else if (m[3]) node.append(el("em", { textContent: m[3] }));
    else node.append(inline(el("strong"), m[1] || m[2]));
    last = m.index + m[0].length;
  }
  node.append(text.slice(last));
  return node;
}

function lineNode(n, tag, className) {
  const node = el(tag, { id: `L${n}`, className: `line ${className}`.trim(), tabIndex: -1 });
  node.dataset.line = n;
  node.append(el("span", { className: "no", textContent: String(n), ariaHidden: "true" }));
  return node;
}

function renderLine(n, raw) {
  const text = raw.trim();
  const h = /^(#{1,6})\s+(.*)$/.exec(text);
  if (h) {
    const node = lineNode(n, "div", `h h${Math.min(h[1].length, 4)}`);
    node.setAttribute("role", "heading");
    node.setAttribute("aria-level", String(Math.min(h[1].length + 2, 6))); // below the document's own title
    node.append(inline(el("span", { className: "tx" }), h[2].replace(/^\*\*(.*)\*\*$/, "$1").replace(/^\\?[*+\-•]\s+/, "")));
    return node;
  }
  // "- …", "\\* …", and "**- Nội dung:**" (a bold list item) are list items
  const item = /^(\*\*)?(?:\\?[*+\-•])\s+(.*)$/.exec(text);
  if (item) {
    const node = lineNode(n, "div", "li");
    node.append(inline(el("span", { className: "tx" }), (item[1] || "") + item[2]));
    return node;
  }
  const node = lineNode(n, "div", "p");
  node.append(inline(el("span", { className: "tx" }), text));
  return node;
}

function tableNode(rows) {
  const table = el("table", { className: "doc-table" });
  for (const [n, raw] of rows) {
    if (/^\|?[\s:|-]+\|?$/.test(raw.trim())) continue; // the |---| ruler has no words
    const tr = el("tr", { id: `L${n}`, className: "line", tabIndex: -1 });
    tr.dataset.line = n;
    tr.append(el("td", { className: "no", textContent: String(n), ariaHidden: "true" }));
    for (const cell of raw.trim().replace(/^\||\|$/g, "").split("|")) tr.append(inline(el("td"), cell.trim()));
    table.append(tr);
  }
  return table;
}

// "**Triển khai …" on one line and "… huyện Krông Nô**" on the next: bold that spans wrapped lines is
// closed at each line's end and reopened on the next, so each numbered line renders on its own
function pairBold(lines) {
  let open = false;
  return lines.map((raw) => {
    if (!raw.trim()) { open = false; return raw; }
    const odd = ((raw.match(/\*\*/g) || []).length % 2) === 1;
    let text = open ? `**${raw.trim()}` : raw;
    if (odd) open = !open;
    if (open) text += "**";
    return text;
  });
}

function renderText(lines) {
  const out = [];
  let table = [];
  const flush = () => { if (table.length) out.push(tableNode(table)); table = []; };
  pairBold(lines).forEach((raw, i) => {
    const n = i + 1;
    if (/^\s*\|.*\|\s*$/.test(raw)) { table.push([n, raw]); return; }
    flush();
    if (raw.replace(/[\s*#\\]/g, "")) out.push(renderLine(n, raw)); // a line of marks alone has no text
  });
  flush();
  return out;
}

let outlineEntries = [];

function markLine(line) {
  document.querySelectorAll("#doc-text .target").forEach((x) => x.classList.remove("target"));
  // a cited blank line does not exist on screen: the next line with text stands for it
  const target = [...document.querySelectorAll("#doc-text .line")].find((x) => Number(x.dataset.line) >= line);
  if (!target) return;
  target.classList.add("target");
  target.scrollIntoView({ block: "center" });
  target.focus({ preventScroll: true });
  jumped = { line: Number(target.dataset.line), y: scrollY };
  updateCurrentSection();
}

function outlineTree(entries) {
  const root = el("ul");
  const stack = [{ depth: 0, list: root }];
  for (const entry of entries) {
    while (stack.length > 1 && stack[stack.length - 1].depth >= entry.depth) stack.pop();
    const link = el("a", { href: `#L${entry.line_start}`, textContent: heading(entry.title) });
    link.dataset.line = entry.line_start;
    link.addEventListener("click", (e) => { e.preventDefault(); go(currentDoc, entry.line_start); });
    const item = el("li", {}, link);
    stack[stack.length - 1].list.append(item);
    const children = el("ul");
    item.append(children);
    stack.push({ depth: entry.depth, list: children });
  }
  root.querySelectorAll("ul:empty").forEach((u) => u.remove());
  return root;
}

// the outline entry of the line being read (the one mid-screen) is marked
let jumped = null; // the line a link jumped to counts as the one read until the reader scrolls away

function updateCurrentSection() {
  if ($("doc-detail").hidden || !outlineEntries.length) return;
  let line = jumped && Math.abs(scrollY - jumped.y) < 8 ? jumped.line : null;
  if (!line) {
    const middle = innerHeight / 2;
    line = 1;
    for (const node of document.querySelectorAll("#doc-text .line")) {
      if (node.getBoundingClientRect().top > middle) break;
      line = Number(node.dataset.line);
    }
  }
  // the nearest heading above the line; on a tie the outer one, whose heading that line is
  let current = null;
  for (const link of document.querySelectorAll("#outline a")) {
    const at = Number(link.dataset.line);
    if (at <= line && (!current || at > Number(current.dataset.line))) current = link;
  }
  for (const link of document.querySelectorAll("#outline a[aria-current]")) if (link !== current) link.removeAttribute("aria-current");
  if (current && !current.hasAttribute("aria-current")) {
    current.setAttribute("aria-current", "location");
    const box = $("outline");
    const top = current.getBoundingClientRect().top - box.getBoundingClientRect().top + box.scrollTop;
    if (top < box.scrollTop || top > box.scrollTop + box.clientHeight - 40) box.scrollTop = top - box.clientHeight / 3;
  }
}
let sectionFrame = 0;
document.addEventListener("scroll", () => {
  cancelAnimationFrame(sectionFrame);
  sectionFrame = requestAnimationFrame(updateCurrentSection);
}, { passive: true });

let currentDoc = null;

async function openDocument(docId, line) {
  show("docs");
  $("panel").hidden = true;
  if (docId !== currentDoc) {
    const id = encodeURIComponent(docId);
    const [detail, text] = await Promise.all([getJSON(`/api/documents/${id}`), getJSON(`/api/documents/${id}/text`)]);
    currentDoc = docId;
    jumped = null;
    $("doc-title").textContent = docName(docId, detail.title);
    $("doc-meta").textContent = [detail.title, detail.issuer, vnDate(detail.date)].filter(Boolean).join(" · ");
    outlineEntries = detail.outline;
    $("outline-list").replaceChildren(outlineTree(detail.outline));
    $("doc-text").replaceChildren(...renderText(text.lines));
    $("doc-search").value = "";
    searchDocument();
    $("doc-detail").hidden = false;
    // a new document starts at its top, and so does its outline
    $("outline").scrollTop = 0;
  }
  if (line) markLine(line);
  else { $("doc-title").scrollIntoView(); updateCurrentSection(); }
}

// deep links: #doc=<id>&line=<n> opens the document at that line
function go(docId, line) {
  const hash = `#doc=${encodeURIComponent(docId)}${line ? `&line=${line}` : ""}`;
  if (location.hash === hash) route();
  else location.hash = hash;
}

function route() {
  const params = new URLSearchParams(location.hash.slice(1));
  const docId = params.get("doc");
  if (docId) openDocument(docId, Number(params.get("line")) || null).catch(fail);
}
window.addEventListener("hashchange", route);

// ---- search within the document --------------------------------------------------------------

// folded per character, so a match's offsets in the folded text are its offsets in the shown text
const foldChar = (ch) => ch.normalize("NFD").replace(/[\u0300-\u036f]/g, "").replace(/[đĐ]/g, "d").toLowerCase().slice(0, 1) || ch;
const foldText = (text) => [...text].map(foldChar).join("");

let hits = [];
let hitIndex = -1;

function clearHits() {
  for (const mark of document.querySelectorAll("#doc-text mark.hit")) mark.replaceWith(...mark.childNodes);
  $("doc-text").normalize();
  hits = [];
  hitIndex = -1;
}

function searchDocument() {
  clearHits();
  const query = foldText($("doc-search").value.trim());
  const status = $("doc-search-status");
  if (!query) { status.textContent = ""; return; }
  const walker = document.createTreeWalker($("doc-text"), NodeFilter.SHOW_TEXT, {
    acceptNode: (node) => (node.parentElement.closest(".no") ? NodeFilter.FILTER_REJECT : NodeFilter.FILTER_ACCEPT),
  });
  const nodes = [];
  while (walker.nextNode()) nodes.push(walker.currentNode);
  for (const node of nodes) {
    const folded = foldText(node.data);
    let from = 0;
    let at;
    const found = [];
    while ((at = folded.indexOf(query, from)) >= 0) { found.push(at); from = at + query.length; }
    let rest = node;
    for (const offset of found.reverse()) {
      const tail = rest.splitText(offset);
      tail.splitText(query.length);
      const mark = el("mark", { className: "hit" });
      tail.replaceWith(mark);
      mark.append(tail);
      hits.unshift(mark);
    }
  }
  hits.sort((a, b) => (a.compareDocumentPosition(b) & Node.DOCUMENT_POSITION_FOLLOWING ? -1 : 1));
  if (!hits.length) { status.textContent = fill(T.doc_search_none, { query: $("doc-search").value.trim() }); return; }
  stepHit(1);
}

function stepHit(step) {
  if (!hits.length) return;
  hits[hitIndex]?.classList.remove("current");
  hitIndex = (hitIndex + step + hits.length) % hits.length;
  const mark = hits[hitIndex];
  mark.classList.add("current");
  mark.scrollIntoView({ block: "center" });
  $("doc-search-status").textContent = fill(T.doc_search_count, { current: hitIndex + 1, total: hits.length });
}

let searchTimer = 0;
$("doc-search").addEventListener("input", () => { clearTimeout(searchTimer); searchTimer = setTimeout(searchDocument, 200); });
$("doc-search-form").addEventListener("submit", (e) => { e.preventDefault(); clearTimeout(searchTimer); if (!hits.length) searchDocument(); else stepHit(1); });
$("doc-search-next").addEventListener("click", () => stepHit(1));
$("doc-search-prev").addEventListener("click", () => stepHit(-1));

// ---- training --------------------------------------------------------------------------------

async function loadProjects() {
  const tree = $("t-path");
  tree.textContent = "";
  if (!$("t-doc").value) return;
  const projects = await getJSON(`/api/training/projects?doc_id=${encodeURIComponent($("t-doc").value)}`);
  projects.forEach((p, i) => {
    const id = `t-path-${i}`;
    const radio = el("input", { type: "radio", name: "t-path", id, value: JSON.stringify(p.path), checked: i === 0 });
    const label = el("label", { htmlFor: id }, el("span", { textContent: p.label }), el("small", { textContent: ` (${p.fields.join(", ")})` }));
    tree.append(el("div", { className: `node depth-${p.depth}` }, radio, label));
  });
}

function chosenPath() {
  const checked = document.querySelector("#t-path input:checked");
  return checked ? JSON.parse(checked.value) : [];
}
const count = () => Math.max(1, Math.min(50, Number($("t-n").value) || 5));

function trainingQuery() {
  return `doc_id=${encodeURIComponent($("t-doc").value)}&path=${encodeURIComponent(chosenPath().join(" › "))}&n=${count()}`;
}

$("t-doc").addEventListener("change", () => loadProjects().catch(fail));
// Enter in "Số câu hỏi" submits the form: it makes the quiz instead of reloading the page
$("training-form").addEventListener("submit", (e) => { e.preventDefault(); makeQuiz(); });

// each quote with where it is: "(Kế hoạch 16/KH-UBND, xã Trực Thái, dòng 48)"; in a comparison the column names the plan
function citedList(citations, withDocument = true) {
  return el("ul", { className: "cited" }, ...citations.map((c) => {
    const where = withDocument ? [c.document, span(c.line_start, c.line_end)].join(", ") : span(c.line_start, c.line_end);
    return el("li", {}, c.text, " ", el("small", { textContent: `(${where})` }));
  }));
}

$("t-keypoints").addEventListener("click", async () => {
  try {
    const body = await getJSON(`/api/training/keypoints?${trainingQuery()}`);
    $("training-output").replaceChildren(
      el("h3", { textContent: body.project }),
      ...body.points.flatMap((p) => [el("h4", { textContent: p.field }), citedList(p.citations)])
    );
  } catch (error) { fail(error); }
});

function quizItem(q, i) {
  const item = el("li", { className: "quiz" });
  item.append(el("p", { className: "q", textContent: q.question }));
  if (q.choices.length) {
    const group = el("fieldset", {}, el("legend", { className: "sr-only", textContent: T.choice_label }));
    q.choices.forEach((choice, k) => {
      const id = `q${i}-${k}`;
      group.append(el("div", { className: "choice" }, el("input", { type: "radio", name: `q${i}`, id, value: k }), el("label", { htmlFor: id, textContent: `${"ABCD"[k]}. ${choice}` })));
    });
    item.append(group);
  }
  const answer = el("details", {}, el("summary", { textContent: T.show_answer }));
  if (q.correct !== null) answer.append(el("p", { textContent: `${T.answer_heading}: ${"ABCD"[q.correct]}` }));
  answer.append(citedList(q.answer));
  item.append(answer);
  return item;
}

async function makeQuiz() {
  try {
    const body = await postJSON("/api/training/quiz", { doc_id: $("t-doc").value, path: chosenPath(), n: count() });
    $("training-output").replaceChildren(el("h3", { textContent: body.project }), el("ol", {}, ...body.questions.map(quizItem)));
  } catch (error) { fail(error); }
}
$("t-quiz").addEventListener("click", makeQuiz);

// exports are fetched (with the read key when one is needed) and saved under the server's file name
function fileName(response, fallback) {
  const header = response.headers.get("Content-Disposition") || "";
  const utf8 = /filename\*=UTF-8''([^;]+)/i.exec(header);
  if (utf8) return decodeURIComponent(utf8[1]);
  const ascii = /filename="([^"]+)"/i.exec(header);
  return ascii ? ascii[1] : fallback;
}

async function download(route, format) {
  try {
    const response = await api(`${route}?format=${format}&${trainingQuery()}`);
    if (!response.ok) throw new Error(errorText(await response.json().catch(() => ({})), response));
    const url = URL.createObjectURL(await response.blob());
    const link = el("a", { href: url, download: fileName(response, `tap-huan.${format}`) });
    document.body.append(link);
    link.click();
    link.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10_000);
  } catch (error) { fail(error); }
}
$("t-md").addEventListener("click", () => download("/api/training/export", "md"));
$("t-docx").addEventListener("click", () => download("/api/training/export", "docx"));
$("t-compare-md").addEventListener("click", () => download("/api/training/compare/export", "md"));
$("t-compare-docx").addEventListener("click", () => download("/api/training/compare/export", "docx"));

// one project beside the same project in the other localities' plans: a row per field, a column per plan
$("t-compare").addEventListener("click", async () => {
  try {
    const body = await getJSON(`/api/training/compare?${trainingQuery()}`);
    const head = el("tr", {}, el("th", { scope: "col", textContent: T.compare_field }),
      ...body.columns.map((c) => el("th", { scope: "col", textContent: c.document })));
    const rows = body.fields.map((field) => el("tr", {}, el("th", { scope: "row", textContent: field }),
      ...body.columns.map((c) => {
        const point = c.points.find((p) => p.field === field);
        return el("td", {}, point ? citedList(point.citations, false) : el("span", { className: "missing", textContent: T.compare_missing }));
      })));
    const table = el("table", { className: "compare" }, el("thead", {}, head), el("tbody", {}, ...rows));
    $("training-output").replaceChildren(el("h3", { textContent: body.title }), el("div", { className: "table-scroll", tabIndex: 0 }, table));
  } catch (error) { fail(error); }
});

// ---- start -----------------------------------------------------------------------------------

// the texts first: they are public, and the key dialog (asked on the first 401) speaks them
getJSON("/api/web/texts")
  .then((texts) => { T = texts; return getJSON("/api/web/config"); })
  .then((config) => {
    CONFIG = config;
    $("doc-search").setAttribute("aria-label", T.doc_search_label);
    $("outline-heading").textContent = T.outline_heading;
    $("doc-search-next").setAttribute("aria-label", T.doc_search_next);
    $("doc-search-prev").setAttribute("aria-label", T.doc_search_prev);
    return loadDocuments();
  })
  .then(route)
  .catch(fail);

"use strict";
// Trợ lý GNBV web page: chat (streamed), inspectable citations, document browser, training tools.
// Plain browser JavaScript, no build step and no CDN: it runs offline as served by the API.
// The sentences it writes on its own come from prompts/vi.toml ([web]) via GET /api/web/texts.

const $ = (id) => document.getElementById(id);
let T = {};
let conversationId = null;
let documents = [];
let lastChip = null;

const fill = (template, values) => template.replace(/\{(\w+)\}/g, (_, k) => (k in values ? values[k] : `{${k}}`));

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props);
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

async function getJSON(url, options) {
  const response = await fetch(url, options);
  const body = await response.json().catch(() => ({}));
  if (!response.ok) {
    const detail = body.message || (typeof body.detail === "string" ? body.detail : response.statusText);
    throw new Error(detail);
  }
  return body;
}

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
document.querySelectorAll("nav button").forEach((b) => b.addEventListener("click", () => show(b.dataset.view)));

// ---- documents and filters -------------------------------------------------------------------

const docLabel = (d) =>
  [d.kind || T.document_untitled, d.number, d.locality, d.years.length ? `(${d.years.join(", ")})` : ""]
    .filter(Boolean)
    .join(" ");

function fillSelect(select, pairs) {
  for (const [value, label] of pairs) select.add(new Option(label, value));
}

async function loadDocuments() {
  documents = await getJSON("/api/documents");
  const uniq = (xs) => [...new Set(xs.filter(Boolean))].sort();
  fillSelect($("f-locality"), uniq(documents.map((d) => d.locality)).map((x) => [x, x]));
  fillSelect($("f-year"), uniq(documents.flatMap((d) => d.years)).map((x) => [x, String(x)]));
  fillSelect($("f-kind"), uniq(documents.map((d) => d.kind)).map((x) => [x, x]));
  const options = documents.map((d) => [d.doc_id, docLabel(d)]);
  fillSelect($("f-doc"), options);
  fillSelect($("t-doc"), options);
  const list = $("doc-list");
  list.textContent = "";
  for (const d of documents) {
    const link = el("a", { href: `#doc-${d.doc_id}`, textContent: docLabel(d) });
    link.addEventListener("click", (e) => { e.preventDefault(); openDocument(d.doc_id).catch(fail); });
    const details = [d.issuer, d.date, `${d.chunks} đoạn`].filter(Boolean).join(" · ");
    list.append(el("li", {}, link, el("div", { className: "title", textContent: d.title }), el("small", { textContent: details })));
  }
  await loadProjects();
}

function filters() {
  const f = {};
  if ($("f-locality").value) f.locality = $("f-locality").value;
  if ($("f-year").value) f.year = Number($("f-year").value);
  if ($("f-kind").value) f.kind = $("f-kind").value;
  if ($("f-doc").value) f.doc_id = $("f-doc").value;
  return Object.keys(f).length ? f : null;
}

// ---- chat ------------------------------------------------------------------------------------

function chip(citation) {
  const label = fill(T.citation_label, { n: citation.n, source: citation.source, start: citation.line_start, end: citation.line_end });
  const button = el("button", { type: "button", className: "chip", textContent: `[${citation.n}]`, title: label });
  button.setAttribute("aria-label", label);
  button.addEventListener("click", () => { lastChip = button; openPassage(citation.chunk_id, citation).catch(fail); });
  return button;
}

function renderAnswer(node, body) {
  node.textContent = "";
  node.classList.toggle("refused", body.refused);
  if (body.refused) node.append(el("strong", { className: "badge", textContent: T.refused_label }), document.createElement("br"));
  for (const part of body.answer.split(/(\[\d+\])/)) {
    const m = part.match(/^\[(\d+)\]$/);
    const citation = m && body.citations.find((c) => c.n === Number(m[1]));
    node.append(citation ? chip(citation) : document.createTextNode(part));
  }
  if (body.suggestions.length) {
    const list = el("ul", { className: "suggestions" });
    for (const s of body.suggestions) {
      const button = el("button", { type: "button", className: "link", textContent: `${s.title} — ${s.section}` });
      button.addEventListener("click", () => { lastChip = button; openPassage(s.chunk_id, null).catch(fail); });
      list.append(el("li", {}, button));
    }
    node.append(el("p", { textContent: T.suggestions_label }), list);
  }
}

function answerAsText(body) {
  const lines = body.citations.map(
    (c) => `[${c.n}] ${c.title} (${c.source}), ${c.section}, ${fill(T.lines_label, { start: c.line_start, end: c.line_end })}: "${c.quote}"`
  );
  return [body.answer, "", ...lines].join("\n");
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
      await getJSON("/api/feedback", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ question, answer: body.answer, rating, comment: area.value, citations: body.citations }),
      });
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

async function ask(question) {
  const answer = el("div", { className: "a", textContent: T.loading });
  answer.setAttribute("aria-busy", "true");
  const turn = el("li", { className: "turn" }, el("div", { className: "q", textContent: question }), answer);
  $("history").append(turn);
  turn.scrollIntoView({ block: "nearest" });
  const payload = { question, stream: true, conversation_id: conversationId, filters: filters() };
  const response = await fetch("/api/chat", {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(payload),
  });
  if (!response.ok) {
    const body = await response.json().catch(() => ({}));
    answer.textContent = fill(T.error, { detail: body.message || body.detail || response.status });
    answer.removeAttribute("aria-busy");
    return;
  }
  let streamed = "";
  for await (const { event, data } of sseEvents(response)) {
    if (event === "meta") conversationId = data.conversation_id;
    if (event === "delta") answer.textContent = streamed += data.text;
    if (event === "done") {
      renderAnswer(answer, data);
      addTools(turn, data, question);
    }
  }
  answer.removeAttribute("aria-busy");
}

$("ask").addEventListener("submit", async (e) => {
  e.preventDefault();
  const question = $("question").value.trim();
  if (!question) return;
  $("question").value = "";
  $("send").disabled = true;
  try { await ask(question); } catch (error) { fail(error); } finally { $("send").disabled = false; $("question").focus(); }
});
$("question").addEventListener("keydown", (e) => {
  if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); $("ask").requestSubmit(); }
});
$("new-chat").addEventListener("click", () => { conversationId = null; $("history").textContent = ""; $("question").focus(); });

// ---- the citation panel ----------------------------------------------------------------------

function highlight(container, text, quote) {
  // whitespace may differ (a quote spans wrapped lines): match the quote's words with any spacing
  const words = (quote || "").trim().split(/\s+/).filter(Boolean).map((w) => w.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));
  const match = words.length ? new RegExp(words.join("\\s+")).exec(text) : null;
  if (!match) { container.append(text); return; }
  container.append(text.slice(0, match.index), el("mark", { textContent: match[0] }), text.slice(match.index + match[0].length));
}

const plain = (lines) => lines.join("\n").replace(/[*#\\]+/g, "").trim(); // markdown marks are not the words

async function openPassage(chunkId, citation) {
  const passage = await getJSON(`/api/passages/${encodeURIComponent(chunkId)}`);
  const meta = documents.find((d) => d.doc_id === passage.doc_id) || {};
  $("panel-title").textContent = passage.title;
  const dl = $("panel-meta");
  dl.textContent = "";
  for (const [term, value] of [
    ["Số", meta.number], ["Ngày", meta.date], ["Năm", meta.date ? "" : (meta.years || []).join(", ")],
    ["Địa phương", meta.locality], ["Cơ quan ban hành", meta.issuer], ["Tệp", passage.source],
  ]) {
    if (value) dl.append(el("dt", { textContent: term }), el("dd", { textContent: value }));
  }
  const start = citation ? citation.line_start : passage.line_start;
  const end = citation ? citation.line_end : passage.line_end;
  $("panel-section").textContent = `${passage.section_path.join(" › ")} — ${fill(T.lines_label, { start, end })}`;
  const body = el("p", { className: "passage" });
  highlight(body, passage.text, citation && citation.quote);
  $("panel-text").replaceChildren(
    el("p", { className: "context", textContent: plain(passage.context_before) }),
    body,
    el("p", { className: "context", textContent: plain(passage.context_after) })
  );
  const open = $("panel-open");
  open.textContent = T.open_document;
  open.href = `#doc-${passage.doc_id}-L${start}`;
  open.onclick = (e) => { e.preventDefault(); openDocument(passage.doc_id, start).catch(fail); };
  $("panel").hidden = false;
  $("panel-close").focus();
}

function closePanel() {
  $("panel").hidden = true;
  if (lastChip && document.body.contains(lastChip)) lastChip.focus();
}
$("panel-close").addEventListener("click", closePanel);
document.addEventListener("keydown", (e) => { if (e.key === "Escape" && !$("panel").hidden) closePanel(); });

// ---- document browser ------------------------------------------------------------------------

function markLine(line) {
  document.querySelectorAll("#doc-text li.target").forEach((li) => li.classList.remove("target"));
  const target = $(`L${line}`);
  if (!target) return;
  target.classList.add("target");
  target.scrollIntoView({ block: "center" });
  target.focus({ preventScroll: true });
}

function outlineTree(entries) {
  const root = el("ul");
  const stack = [{ depth: 0, list: root }];
  for (const entry of entries) {
    while (stack.length > 1 && stack[stack.length - 1].depth >= entry.depth) stack.pop();
    const link = el("a", { href: `#L${entry.line_start}`, textContent: entry.title });
    link.addEventListener("click", (e) => { e.preventDefault(); markLine(entry.line_start); });
    const item = el("li", {}, link, el("small", { textContent: ` (${fill(T.lines_label, { start: entry.line_start, end: entry.line_end })})` }));
    stack[stack.length - 1].list.append(item);
    const children = el("ul");
    item.append(children);
    stack.push({ depth: entry.depth, list: children });
  }
  root.querySelectorAll("ul:empty").forEach((u) => u.remove());
  return root;
}

async function openDocument(docId, line) {
  show("docs");
  $("panel").hidden = true;
  const id = encodeURIComponent(docId);
  const [detail, text] = await Promise.all([getJSON(`/api/documents/${id}`), getJSON(`/api/documents/${id}/text`)]);
  $("doc-title").textContent = detail.title;
  $("doc-meta").textContent = [docLabel(detail), detail.issuer, detail.date, detail.source].filter(Boolean).join(" · ");
  $("outline").replaceChildren(outlineTree(detail.outline));
  $("doc-text").replaceChildren(
    ...text.lines.map((content, i) => el("li", { id: `L${i + 1}`, tabIndex: -1, textContent: content || " " }))
  );
  $("doc-detail").hidden = false;
  if (line) markLine(line);
  else $("doc-title").scrollIntoView();
}

// ---- training --------------------------------------------------------------------------------

async function loadProjects() {
  const select = $("t-path");
  select.textContent = "";
  if (!$("t-doc").value) return;
  const projects = await getJSON(`/api/training/projects?doc_id=${encodeURIComponent($("t-doc").value)}`);
  for (const p of projects) {
    const option = new Option(`${p.path[p.path.length - 1] || p.title} (${p.fields.join(", ")})`, JSON.stringify(p.path));
    option.title = p.title; // the full section path; the heading alone fits a phone's width
    select.add(option);
  }
  updateExportLinks();
}

const chosenPath = () => ($("t-path").value ? JSON.parse($("t-path").value) : []);
const count = () => Math.max(1, Math.min(50, Number($("t-n").value) || 5));

function trainingQuery() {
  return `doc_id=${encodeURIComponent($("t-doc").value)}&path=${encodeURIComponent(chosenPath().join(" › "))}&n=${count()}`;
}
function updateExportLinks() {
  $("t-md").href = `/api/training/export?format=md&${trainingQuery()}`;
  $("t-docx").href = `/api/training/export?format=docx&${trainingQuery()}`;
}
$("t-doc").addEventListener("change", () => loadProjects().catch(fail));
$("t-path").addEventListener("change", updateExportLinks);
$("t-n").addEventListener("change", updateExportLinks);

function citedList(citations) {
  return el("ul", { className: "cited" }, ...citations.map((c) =>
    el("li", {}, c.quote, " ", el("small", { textContent: `[${c.source}, ${fill(T.lines_label, { start: c.line_start, end: c.line_end })}]` }))
  ));
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
      group.append(el("div", {}, el("input", { type: "radio", name: `q${i}`, id, value: k }), el("label", { htmlFor: id, textContent: ` ${"ABCD"[k]}. ${choice}` })));
    });
    item.append(group);
  }
  const answer = el("details", {}, el("summary", { textContent: T.show_answer }));
  if (q.correct !== null) answer.append(el("p", { textContent: `${T.answer_heading}: ${"ABCD"[q.correct]}` }));
  answer.append(citedList(q.answer));
  item.append(answer);
  return item;
}

$("t-quiz").addEventListener("click", async () => {
  try {
    const body = await getJSON("/api/training/quiz", {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ doc_id: $("t-doc").value, path: chosenPath(), n: count() }),
    });
    $("training-output").replaceChildren(el("h3", { textContent: body.project }), el("ol", {}, ...body.questions.map(quizItem)));
  } catch (error) { fail(error); }
});

// ---- start -----------------------------------------------------------------------------------

getJSON("/api/web/texts")
  .then((texts) => { T = texts; return loadDocuments(); })
  .catch(fail);

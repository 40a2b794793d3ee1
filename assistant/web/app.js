"use strict";
// Trợ lý GNBV web page: chat (streamed), inspectable citations, document browser, training tools.
// Plain browser JavaScript, no build step and no CDN: it runs offline as served by the API.

const $ = (id) => document.getElementById(id);
let conversationId = null;
let documents = [];

async function getJSON(url, options) {
  const response = await fetch(url, options);
  const body = await response.json().catch(() => ({}));
  if (!response.ok) throw new Error(body.message || body.detail || response.statusText);
  return body;
}

function show(view) {
  for (const name of ["chat", "docs", "training"]) {
    $("view-" + name).hidden = name !== view;
    document.querySelector(`[data-view="${name}"]`).setAttribute("aria-pressed", String(name === view));
  }
}
document.querySelectorAll("nav button").forEach((b) => b.addEventListener("click", () => show(b.dataset.view)));

function fillSelect(select, values) {
  for (const [value, label] of values) select.add(new Option(label, value));
}

async function loadDocuments() {
  documents = await getJSON("/api/documents");
  const uniq = (xs) => [...new Set(xs.filter(Boolean))].sort();
  fillSelect($("f-locality"), uniq(documents.map((d) => d.locality)).map((x) => [x, x]));
  fillSelect($("f-year"), uniq(documents.flatMap((d) => d.years)).map((x) => [x, x]));
  fillSelect($("f-kind"), uniq(documents.map((d) => d.kind)).map((x) => [x, x]));
  const docOptions = documents.map((d) => [d.doc_id, `${d.kind || ""} ${d.locality || ""} ${d.years.join(",")}`]);
  fillSelect($("f-doc"), docOptions);
  fillSelect($("t-doc"), docOptions);
  const list = $("doc-list");
  for (const d of documents) {
    const item = document.createElement("li");
    const link = document.createElement("a");
    link.href = "#";
    link.textContent = `${d.kind || "Văn bản"} ${d.number || ""} — ${d.issuer || ""} (${d.years.join(", ")}): ${d.title}`;
    link.addEventListener("click", (e) => { e.preventDefault(); openDocument(d.doc_id); });
    item.append(link);
    list.append(item);
  }
  await loadTrainingPaths();
}

function filters() {
  const f = {};
  if ($("f-locality").value) f.locality = $("f-locality").value;
  if ($("f-year").value) f.year = Number($("f-year").value);
  if ($("f-kind").value) f.kind = $("f-kind").value;
  if ($("f-doc").value) f.doc_id = $("f-doc").value;
  return Object.keys(f).length ? f : null;
}

function renderAnswer(node, body) {
  node.textContent = "";
  node.classList.toggle("refused", body.refused);
  const parts = body.answer.split(/(\[\d+\])/);
  for (const part of parts) {
    const m = part.match(/^\[(\d+)\]$/);
    const citation = m && body.citations.find((c) => c.n === Number(m[1]));
    if (citation) {
      const chip = document.createElement("button");
      chip.type = "button";
      chip.className = "chip";
      chip.textContent = part;
      chip.setAttribute("aria-label", `Trích dẫn ${citation.n}: ${citation.source}, dòng ${citation.line_start}`);
      chip.addEventListener("click", () => openCitation(citation));
      node.append(chip);
    } else {
      node.append(document.createTextNode(part));
    }
  }
}

function citationsAsText(body) {
  const lines = body.citations.map((c) => `[${c.n}] ${c.source}, dòng ${c.line_start}–${c.line_end}, ${c.section}: "${c.quote}"`);
  return `${body.answer}\n\n${lines.join("\n")}`;
}

async function sendFeedback(body, question, rating, tools) {
  const comment = window.prompt("Góp ý (không bắt buộc):") || "";
  await getJSON("/api/feedback", {
    method: "POST", headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ question, answer: body.answer, rating, comment, citations: body.citations }),
  });
  tools.querySelectorAll("button[data-rating]").forEach((b) => (b.disabled = true));
  tools.append(document.createTextNode(" Đã ghi nhận góp ý."));
}

function addTools(turn, body, question) {
  const tools = document.createElement("div");
  tools.className = "tools";
  const copy = document.createElement("button");
  copy.type = "button";
  copy.textContent = "Sao chép";
  copy.addEventListener("click", () => navigator.clipboard && navigator.clipboard.writeText(citationsAsText(body)));
  tools.append(copy);
  for (const [rating, label] of [["up", "👍 Hữu ích"], ["down", "👎 Chưa tốt"]]) {
    const b = document.createElement("button");
    b.type = "button";
    b.dataset.rating = rating;
    b.textContent = label;
    b.setAttribute("aria-label", rating === "up" ? "Câu trả lời hữu ích" : "Câu trả lời chưa tốt");
    b.addEventListener("click", () => sendFeedback(body, question, rating, tools));
    tools.append(b);
  }
  turn.append(tools);
}

async function ask(question) {
  const turn = document.createElement("li");
  turn.className = "turn";
  const q = document.createElement("div");
  q.className = "q";
  q.textContent = question;
  const a = document.createElement("div");
  a.className = "a";
  a.textContent = "…";
  turn.append(q, a);
  $("history").append(turn);
  const payload = { question, stream: true, conversation_id: conversationId, filters: filters() };
  const response = await fetch("/api/chat", {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(payload),
  });
  if (!response.ok) {
    const body = await response.json().catch(() => ({}));
    a.textContent = body.message || "Lỗi: " + response.status;
    return;
  }
  // Server-sent events over a POST body: parse the stream by hand (EventSource cannot POST).
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buffer = "", streamed = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.search(/\r?\n\r?\n/)) >= 0) {
      const raw = buffer.slice(0, cut);
      buffer = buffer.slice(cut).replace(/^\r?\n\r?\n/, "");
      const event = (raw.match(/^event: ?(.*)$/m) || [])[1];
      const data = raw.split(/\r?\n/).filter((l) => l.startsWith("data:")).map((l) => l.replace(/^data: ?/, "")).join("\n");
      if (event === "meta") conversationId = JSON.parse(data).conversation_id;
      if (event === "delta") { streamed += JSON.parse(data).text; a.textContent = streamed; }
      if (event === "done") {
        const body = JSON.parse(data);
        renderAnswer(a, body);
        addTools(turn, body, question);
      }
    }
  }
}

$("ask").addEventListener("submit", async (e) => {
  e.preventDefault();
  const question = $("question").value.trim();
  if (!question) return;
  $("question").value = "";
  $("send").disabled = true;
  try { await ask(question); } finally { $("send").disabled = false; $("question").focus(); }
});
$("question").addEventListener("keydown", (e) => {
  if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); $("ask").requestSubmit(); }
});
$("new-chat").addEventListener("click", () => { conversationId = null; $("history").textContent = ""; });

function highlight(container, text, quote) {
  const start = text.indexOf(quote);
  if (start < 0) { container.append(document.createTextNode(text)); return; }
  const mark = document.createElement("mark");
  mark.textContent = quote;
  container.append(document.createTextNode(text.slice(0, start)), mark, document.createTextNode(text.slice(start + quote.length)));
}

async function openCitation(citation) {
  const passage = await getJSON(`/api/passages/${encodeURIComponent(citation.chunk_id)}`);
  const meta = documents.find((d) => d.doc_id === citation.doc_id) || {};
  $("panel-title").textContent = citation.title;
  $("panel-meta").textContent = [meta.kind, meta.number, meta.date, meta.issuer || meta.locality].filter(Boolean).join(" · ");
  $("panel-section").textContent = `${citation.section} — dòng ${citation.line_start}–${citation.line_end}`;
  const box = $("panel-text");
  box.textContent = "";
  const before = document.createElement("p");
  before.className = "context";
  const plain = (lines) => lines.join(" ").replace(/[*#\\]+/g, "");  // markdown marks are not the words
  before.textContent = plain(passage.context_before);
  const body = document.createElement("p");
  highlight(body, passage.text, citation.quote);
  const after = document.createElement("p");
  after.className = "context";
  after.textContent = plain(passage.context_after);
  box.append(before, body, after);
  $("panel-open").onclick = (e) => { e.preventDefault(); openDocument(citation.doc_id, citation.line_start); };
  $("panel").hidden = false;
  $("panel-close").focus();
}
$("panel-close").addEventListener("click", () => ($("panel").hidden = true));
document.addEventListener("keydown", (e) => { if (e.key === "Escape") $("panel").hidden = true; });

async function openDocument(docId, line) {
  show("docs");
  $("panel").hidden = true;
  const [detail, text] = await Promise.all([
    getJSON(`/api/documents/${encodeURIComponent(docId)}`), getJSON(`/api/documents/${encodeURIComponent(docId)}/text`),
  ]);
  const outline = $("outline");
  outline.textContent = "";
  const list = document.createElement("ul");
  for (const entry of detail.outline) {
    const item = document.createElement("li");
    item.style.marginLeft = `${entry.depth - 1}rem`;
    const link = document.createElement("a");
    link.href = `#L${entry.line_start}`;
    link.textContent = `${entry.title} (${entry.chunks})`;
    item.append(link);
    list.append(item);
  }
  outline.append(list);
  const lines = $("doc-text");
  lines.textContent = "";
  text.lines.forEach((content, i) => {
    const li = document.createElement("li");
    li.id = `L${i + 1}`;
    li.textContent = content || " ";
    lines.append(li);
  });
  if (line) {
    const target = $(`L${line}`);
    target.classList.add("target");
    target.scrollIntoView({ block: "center" });
  }
}

async function loadTrainingPaths() {
  const select = $("t-path");
  select.textContent = "";
  if (!$("t-doc").value) return;
  const detail = await getJSON(`/api/documents/${encodeURIComponent($("t-doc").value)}`);
  for (const entry of detail.outline) {
    if (/(Tiểu )?[Dd]ự án \d/.test(entry.title)) select.add(new Option(entry.path.join(" › "), JSON.stringify(entry.path)));
  }
  updateExportLinks();
}
function trainingQuery() {
  const path = $("t-path").value ? JSON.parse($("t-path").value) : [];
  return `doc_id=${encodeURIComponent($("t-doc").value)}&path=${encodeURIComponent(path.join(" › "))}&n=${$("t-n").value}`;
}
function updateExportLinks() {
  $("t-md").href = `/api/training/export?format=md&${trainingQuery()}`;
  $("t-docx").href = `/api/training/export?format=docx&${trainingQuery()}`;
}
$("t-doc").addEventListener("change", loadTrainingPaths);
$("t-path").addEventListener("change", updateExportLinks);
$("t-n").addEventListener("change", updateExportLinks);

function renderItems(title, items) {
  const out = $("training-output");
  const h = document.createElement("h2");
  h.textContent = title;
  out.append(h);
  for (const item of items) {
    const p = document.createElement("div");
    p.className = "a";
    p.textContent = item;
    out.append(p);
  }
}
$("t-keypoints").addEventListener("click", async () => {
  $("training-output").textContent = "";
  const body = await getJSON(`/api/training/keypoints?${trainingQuery()}`);
  for (const point of body.points) {
    renderItems(point.field, point.citations.map((c) => `${c.quote} [${c.source}, dòng ${c.line_start}–${c.line_end}]`));
  }
});
$("t-quiz").addEventListener("click", async () => {
  $("training-output").textContent = "";
  const body = await getJSON(`/api/training/quiz?${trainingQuery()}`);
  body.questions.forEach((q, i) => renderItems(`Câu ${i + 1}. ${q.question}`, q.answer.map((c) => `${c.quote} [${c.source}, dòng ${c.line_start}–${c.line_end}]`)));
});

loadDocuments().catch((e) => { $("history").textContent = e.message; });

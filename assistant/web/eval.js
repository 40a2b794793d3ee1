"use strict";
// The evaluator's page: choose or upload a question set, run it in the background, review and judge
// answers, compare two runs, export a scored run. Plain browser JavaScript, no build step, no CDN.
// A run lives on the server: the page only polls it, and the run's id in the address (#run=…) reopens it.

const $ = (id) => document.getElementById(id);
const CHECKS = {
  "hit@5": "B5", key_facts: "Ý", key_facts_400: "400", refusal: "TC", grounded: "NV", numbers: "Số",
};
const CHECK_NAMES = {
  "hit@5": "bằng chứng trong 5 đoạn đầu", key_facts: "đủ ý bắt buộc", key_facts_400: "ý bắt buộc trong 400 ký tự đầu",
  refusal: "từ chối đúng", grounded: "trích dẫn nguyên văn", numbers: "số liệu có trong trích dẫn",
};
const VERDICTS = { correct: "Đúng", partly: "Đúng một phần", wrong: "Sai", should_refuse: "Lẽ ra phải từ chối" };
const CHANGES = { better: "tốt hơn", worse: "kém hơn", same: "như cũ" };
let apiKey = sessionStorage.getItem("gnbv-api-key");
let rows = [];
let current = null; // the run shown
let poller = null;
let opened = null; // the question open in the dialog

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  Object.assign(node, props);
  node.append(...children.filter((c) => c !== null && c !== undefined));
  return node;
}

function say(text) { $("status").textContent = text; }

async function api(url, options = {}) {
  // writes need the key: asked once, kept for the tab like the main page does
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const headers = { ...(options.headers || {}), ...(apiKey ? { "X-API-Key": apiKey } : {}) };
    const response = await fetch(url, { ...options, headers });
    if ((response.status === 401 || response.status === 403) && attempt === 0) {
      const key = window.prompt("Thao tác này cần khoá API (X-API-Key):");
      if (!key) throw new Error("Cần khoá API để thực hiện thao tác này.");
      apiKey = key.trim();
      sessionStorage.setItem("gnbv-api-key", apiKey);
      continue;
    }
    if (!response.ok) {
      let detail = `${response.status}`;
      try { const body = await response.json(); detail = body.message || body.detail || detail; } catch (_) { /* not JSON */ }
      throw new Error(typeof detail === "string" ? detail : JSON.stringify(detail));
    }
    return response;
  }
  throw new Error("Không có quyền.");
}

const getJSON = async (url) => (await api(url)).json();

// ---- sets ------------------------------------------------------------------------------------

async function loadSets(selected) {
  const sets = await getJSON("/api/eval/sets");
  const select = $("set");
  select.replaceChildren(...sets.map((s) => el("option", { value: s.set_id, textContent: `${s.name} — ${s.n} câu` })));
  if (selected) select.value = selected;
}

$("upload-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const file = $("upload").files[0];
  const out = $("upload-result");
  if (!file) { out.textContent = "Hãy chọn một tệp."; return; }
  const form = new FormData();
  form.append("file", file);
  out.replaceChildren();
  try {
    const result = await (await api("/api/eval/sets", { method: "POST", body: form })).json();
    await loadSets(result.set.set_id); // chosen before the page says it is there
    out.append(el("p", { className: "ok", textContent: `Đã nhận ${result.set.n} câu hỏi hợp lệ từ ${result.set.name}.` }));
    if (result.errors.length) {
      out.append(el("p", { className: "errors", textContent: `${result.errors.length} dòng bị bỏ qua:` }),
        el("ul", { className: "errors" }, ...result.errors.map((r) => el("li", { textContent: `Dòng ${r.row}: ${r.message}` }))));
    }
  } catch (error) {
    out.append(el("p", { className: "errors", textContent: error.message }));
  }
});

$("set-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  try {
    const run = await (await api("/api/eval/runs", {
      method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ set_id: $("set").value }),
    })).json();
    say(`Đã bắt đầu lần chạy ${run.run_id}. Có thể đóng trang; mở lại để xem tiếp.`);
    await loadRuns(run.run_id);
    await show(run.run_id);
  } catch (error) { say(error.message); }
});

// ---- runs ------------------------------------------------------------------------------------

const runLabel = (r) => `${r.created} · ${r.set_name.replace(/^upload:[^:]+:/, "")} · ${r.status === "done" ? "xong" : r.status === "running" ? "đang chạy" : "lỗi"} · ${r.run_id}`;

async function loadRuns(selected) {
  const runs = await getJSON("/api/eval/runs");
  for (const id of ["run", "cmp-before", "cmp-after"]) {
    const keep = $(id).value;
    $(id).replaceChildren(...runs.map((r) => el("option", { value: r.run_id, textContent: runLabel(r) })));
    if (keep) $(id).value = keep;
  }
  if (selected) $("run").value = selected;
  if (runs.length > 1 && !$("cmp-before").dataset.touched) {
    $("cmp-before").value = runs[1].run_id;
    $("cmp-after").value = runs[0].run_id;
  }
  return runs;
}

$("run").addEventListener("change", () => show($("run").value));
for (const id of ["cmp-before", "cmp-after"]) $(id).addEventListener("change", () => { $(id).dataset.touched = "1"; });

const fmt = (v) => (v === null || v === undefined ? "–" : typeof v === "number" && !Number.isInteger(v) ? v.toFixed(3) : String(v));

const yesNo = (v) => (v === null || v === undefined ? "–" : v ? "đúng" : "sai");

function renderSummary(detail) {
  const s = detail.summary || {};
  const items = [
    ["Số câu", s.n], ["Đúng (tự động)", s.accuracy], ["hit@5", s["hit@5"]], ["Đủ ý bắt buộc", s.key_fact_accuracy],
    ["Ý trong 400 ký tự đầu", s.key_facts_in_400], ["Từ chối đúng (recall)", s.refusal_recall],
    ["Từ chối nhầm", s.false_refusal_rate], ["Trích dẫn nguyên văn", s.grounding], ["Số liệu kiểm được", s.numbers_verified],
  ];
  const run = detail.run;
  const lines = [el("p", { textContent: `Commit ${run.commit_id.slice(0, 10)}, thiết lập ${run.fingerprint}, bộ ${run.set_name}` })];
  lines.push(el("p", { textContent: items.map(([k, v]) => `${k}: ${fmt(v)}`).join(" · ") }));
  if (detail.human) {
    const h = detail.human;
    lines.push(el("p", { id: "human", textContent: `Người đánh giá ${h.judged} câu: đúng ${h.correct}, một phần ${h.partly}, sai ${h.wrong}, lẽ ra phải từ chối ${h.should_refuse} — độ chính xác ${h.accuracy.toFixed(3)}` }));
  }
  $("summary").replaceChildren(...lines);
}

async function show(runId) {
  if (!runId) return;
  clearTimeout(poller);
  if (current !== runId) $("progress-text").textContent = "";  // no other run's "Xong" while this one loads
  current = runId;
  history.replaceState(null, "", `#run=${runId}`);
  $("export-xlsx").href = `/api/eval/runs/${runId}/export?format=xlsx`;
  $("export-csv").href = `/api/eval/runs/${runId}/export?format=csv`;
  const detail = await getJSON(`/api/eval/runs/${runId}`);
  if (current !== runId) return;
  const run = detail.run;
  $("progress-box").hidden = false;
  $("progress").max = Math.max(run.total, 1);
  $("progress").value = run.done;
  renderSummary(detail);
  rows = await getJSON(`/api/eval/runs/${runId}/answers`);
  if (current !== runId) return;
  fillFilters();
  renderTable();
  // "Xong" only once its answers are in the table: a reader (or a test) who sees it can open them
  const state = run.status === "done" ? "Xong" : run.status === "running" ? "Đang chạy" : `Lỗi: ${run.message || ""}`;
  $("progress-text").textContent = `${state}: ${run.done}/${run.total} câu`;
  if (run.status === "running") {
    poller = setTimeout(() => show(runId), 1000);
  } else if ($("run").querySelector(`option[value="${runId}"]`)?.textContent.includes("đang chạy")) {
    loadRuns(runId);
  }
}

// ---- the table -------------------------------------------------------------------------------

function fillFilters() {
  for (const [id, key] of [["f-category", "category"], ["f-style", "style"]]) {
    const select = $(id);
    const keep = select.value;
    const values = [...new Set(rows.map((r) => r.question[key]))].sort();
    select.replaceChildren(el("option", { value: "", textContent: "Tất cả" }), ...values.map((v) => el("option", { value: v, textContent: v })));
    select.value = values.includes(keep) ? keep : "";
  }
}

function visible(r) {
  const category = $("f-category").value, style = $("f-style").value, verdict = $("f-verdict").value;
  if (category && r.question.category !== category) return false;
  if (style && r.question.style !== style) return false;
  if (verdict === "pass") return r.correct === true;
  if (verdict === "fail") return r.correct === false;
  if (verdict === "judged") return !!r.judgement;
  if (verdict === "unjudged") return !r.judgement;
  if (verdict) return r.verdicts[verdict] === false;
  return true;
}

function checks(r) {
  return Object.entries(CHECKS).map(([key, short]) => {
    const v = r.verdicts[key];
    const cls = v === null ? "na" : v ? "pass" : "fail";
    const word = v === null ? "không áp dụng" : v ? "đạt" : "không đạt";
    return el("span", { className: `check ${cls}`, textContent: short, title: `${CHECK_NAMES[key]}: ${word}` });
  });
}

function renderTable() {
  const shown = rows.filter(visible);
  $("count").textContent = `${shown.length}/${rows.length} câu`;
  $("answers").tBodies[0].replaceChildren(...shown.map((r) => {
    const tr = el("tr", { tabIndex: 0 },
      el("td", { textContent: r.question_id }),
      el("td", { textContent: `${r.question.category} / ${r.question.style}` }),
      el("td", { textContent: (r.previous_question ? `(sau: ${r.previous_question}) ` : "") + r.question.question }),
      el("td", { textContent: r.question.answer || "" }),
      el("td", { className: "answer", textContent: (r.answer.answer || "").slice(0, 300) }),
      el("td", { textContent: String(r.answer.citations.length) }),
      el("td", {}, ...checks(r)),
      el("td", { className: "judgement", textContent: r.judgement ? VERDICTS[r.judgement.verdict] : "" }));
    tr.dataset.id = r.question_id;
    tr.addEventListener("click", () => openAnswer(r.question_id));
    tr.addEventListener("keydown", (e) => { if (e.key === "Enter") openAnswer(r.question_id); });
    return tr;
  }));
}

for (const id of ["f-category", "f-style", "f-verdict"]) $(id).addEventListener("change", renderTable);

// ---- one answer ------------------------------------------------------------------------------

async function openAnswer(questionId) {
  const r = await getJSON(`/api/eval/runs/${current}/answers/${encodeURIComponent(questionId)}`);
  opened = r;
  $("detail-title").textContent = `${r.question_id}: ${r.question.question}`;
  $("detail-previous").textContent = r.previous_question ? `Lượt trước trong hội thoại: ${r.previous_question}` : "";
  $("detail-gold").textContent = `${r.question.answer || "(không có đáp án trong văn bản)"}${r.question.must_include.length ? ` — ý bắt buộc: ${r.question.must_include.join("; ")}` : ""}`;
  $("detail-answer").textContent = r.answer.answer || "";
  $("detail-citations").replaceChildren(...r.answer.citations.map((c) => {
    const passage = r.answer.passages.find((p) => p.source === c.source && p.line_start <= c.line_start && p.line_end >= c.line_end);
    return el("li", {},
      el("div", { textContent: `[${c.n}] ${c.source}, dòng ${c.line_start}–${c.line_end}` }),
      el("blockquote", { textContent: c.quote }),
      passage ? el("details", {}, el("summary", { textContent: "Đoạn văn chứa trích dẫn" }), el("div", { className: "passage", textContent: passage.text })) : null);
  }));
  for (const input of document.querySelectorAll("#judge-form input[name=verdict]")) {
    input.checked = r.judgement ? input.value === r.judgement.verdict : false;
  }
  $("judge-note").value = r.judgement ? r.judgement.note : "";
  $("judge-saved").textContent = "";
  $("detail").showModal();
}

$("judge-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const verdict = document.querySelector("#judge-form input[name=verdict]:checked");
  if (!verdict) { $("judge-saved").textContent = "Hãy chọn một đánh giá."; return; }
  const judgement = { verdict: verdict.value, note: $("judge-note").value.trim() };
  try {
    await api(`/api/eval/runs/${current}/answers/${encodeURIComponent(opened.question_id)}/judgement`, {
      method: "PUT", headers: { "Content-Type": "application/json" }, body: JSON.stringify(judgement),
    });
    $("judge-saved").textContent = "Đã lưu đánh giá.";
    const row = rows.find((x) => x.question_id === opened.question_id);
    if (row) row.judgement = judgement;
    renderTable();
    renderSummary(await getJSON(`/api/eval/runs/${current}`));
  } catch (error) { $("judge-saved").textContent = error.message; }
});

// ---- compare ---------------------------------------------------------------------------------

$("compare-form").addEventListener("submit", async (e) => {
  e.preventDefault();
  const out = $("compare-out");
  try {
    const c = await getJSON(`/api/eval/compare?before=${$("cmp-before").value}&after=${$("cmp-after").value}`);
    const rowsOut = c.changes.map((x) => el("tr", {},
      el("td", { textContent: x.question_id }),
      el("td", { className: x.change, textContent: CHANGES[x.change] }),
      el("td", { textContent: `${yesNo(x.before)} → ${yesNo(x.after)}` }),
      el("td", { textContent: Object.entries(x.checks).map(([k, [a, b]]) => `${CHECK_NAMES[k]}: ${yesNo(a)} → ${yesNo(b)}`).join("; ") })));
    out.replaceChildren(
      el("p", { id: "compare-tally", textContent: `Tốt hơn ${c.tally.better}, kém hơn ${c.tally.worse}, như cũ ${c.tally.same}` }),
      el("table", {}, el("thead", {}, el("tr", {}, ...["Mã", "Thay đổi", "Đúng (tự động)", "Kiểm tra đổi kết quả"].map((h) => el("th", { textContent: h })))),
        el("tbody", {}, ...rowsOut)));
  } catch (error) { out.textContent = error.message; }
});

// ---- start -----------------------------------------------------------------------------------

(async () => {
  try {
    await loadSets();
    const runs = await loadRuns();
    const wanted = (location.hash.match(/run=([\w-]+)/) || [])[1];
    const first = wanted || (runs.find((r) => r.status === "running") || runs[0] || {}).run_id;
    if (first) { $("run").value = first; await show(first); }
  } catch (error) { say(error.message); }
})();

// The playground page: edit a pack (tabs per file), see compile errors at their line, run the
// examples, type a reply and see its violations, rewrite and explain trace. Plain JS, no build step.
"use strict";

const $ = (id) => document.getElementById(id);
const LINE_PX = 20; // keep in step with --line in app.css
const SEVERITY_RANK = { info: 1, warning: 2, error: 3 };

const state = {
  files: {},          // name -> text
  current: null,      // the file shown in the editor
  diagnostics: [],    // of the last compile
  starters: [],
  seq: { compile: 0, check: 0, test: 0 },
  timers: {},
};

function esc(s) {
  return String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
}

function debounce(name, ms, fn) {
  clearTimeout(state.timers[name]);
  state.timers[name] = setTimeout(fn, ms);
}

async function post(path, body) {
  const res = await fetch(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  let data;
  try {
    data = await res.json();
  } catch (e) {
    throw new Error(`${path}: HTTP ${res.status}`);
  }
  if (!res.ok) throw new Error(data.error || `${path}: HTTP ${res.status}`);
  return data;
}

function setStatus(text, kind) {
  const el = $("status");
  el.textContent = text;
  el.className = "status " + (kind || "");
}

// ---- starters and tabs ---------------------------------------------------------------------
async function loadStarters() {
  const res = await fetch("/api/starters");
  const data = await res.json();
  state.starters = data.starters;
  const sel = $("starter");
  sel.innerHTML = state.starters.map((s, i) => `<option value="${i}">${esc(s.name)} — ${esc(s.description)}</option>`).join("");
  sel.addEventListener("change", () => useStarter(state.starters[Number(sel.value)]));
  useStarter(state.starters[0]);
}

function useStarter(starter) {
  state.files = { ...starter.files };
  const names = Object.keys(state.files);
  // Open the starter's own pack header first: that is where an author begins.
  state.current = names.find((n) => n.startsWith(starter.name + "/") && n.endsWith("pack.tact")) || names.find((n) => n.endsWith(".tact"));
  state.diagnostics = [];
  renderTabs();
  showFile(state.current);
  compileSoon(0);
}

function renderTabs() {
  const bad = new Set(state.diagnostics.map((d) => d.file));
  $("tabs").innerHTML = Object.keys(state.files)
    .sort()
    .map((n) => `<button type="button" role="tab" data-file="${esc(n)}" aria-selected="${n === state.current}" class="${bad.has(n) ? "has-error" : ""}">${esc(n)}</button>`)
    .join("");
}

$("tabs").addEventListener("click", (e) => {
  const b = e.target.closest("button[data-file]");
  if (b) showFile(b.dataset.file);
});

function showFile(name) {
  state.current = name;
  $("source").value = state.files[name] ?? "";
  $("source").scrollTop = 0;
  renderTabs();
  renderSource();
}

// ---- editor ---------------------------------------------------------------------------------
function renderSource() {
  const text = state.files[state.current] ?? "";
  const lines = text.split("\n");
  const diags = state.diagnostics.filter((d) => d.file === state.current && d.line);
  const byLine = new Map();
  for (const d of diags) {
    if (!byLine.has(d.line)) byLine.set(d.line, []);
    byLine.get(d.line).push(d);
  }
  $("gutter").innerHTML = lines
    .map((_, i) => {
      const ds = byLine.get(i + 1);
      return ds
        ? `<div class="error" data-line="${i + 1}" title="${esc(ds.map((d) => `${d.code}: ${d.message}`).join("\n"))}">${i + 1}</div>`
        : `<div>${i + 1}</div>`;
    })
    .join("") + "<div></div>";
  $("source-backdrop").innerHTML = lines
    .map((line, i) => {
      const ds = byLine.get(i + 1);
      if (!ds) return `<span class="line">${esc(line) || " "}</span>`;
      const d = ds[0];
      const lo = Math.max(0, (d.column || 1) - 1);
      const hi = Math.min(line.length, lo + Math.max(1, d.length || 1));
      const painted = esc(line.slice(0, lo)) + `<mark>${esc(line.slice(lo, hi) || " ")}</mark>` + esc(line.slice(hi));
      const lens = ds.map((x) => `${x.code}: ${x.message}`).join("; ");
      return `<span class="line error" data-line="${i + 1}">${painted}<span class="lens">${esc(lens)}</span></span>`;
    })
    .join("") + '<span class="line"> </span><span class="line"> </span>';
  syncScroll();
}

function syncScroll() {
  const ta = $("source");
  $("gutter").scrollTop = ta.scrollTop;
  $("source-backdrop").scrollTop = ta.scrollTop;
  $("source-backdrop").scrollLeft = ta.scrollLeft;
}

$("source").addEventListener("scroll", syncScroll);
$("source").addEventListener("input", () => {
  state.files[state.current] = $("source").value;
  renderSource();
  compileSoon(400);
});
$("source").addEventListener("keydown", (e) => {
  if (e.key === "Tab") {
    e.preventDefault();
    document.execCommand("insertText", false, "  ");
  }
});

function jumpTo(file, line, column) {
  if (file && file !== state.current && file in state.files) showFile(file);
  const ta = $("source");
  const lines = ta.value.split("\n");
  let offset = 0;
  for (let i = 0; i < Math.min(line - 1, lines.length); i++) offset += lines[i].length + 1;
  offset += Math.max(0, (column || 1) - 1);
  ta.focus();
  ta.setSelectionRange(offset, offset);
  ta.scrollTop = Math.max(0, (line - 4) * LINE_PX);
  syncScroll();
}

// ---- compile --------------------------------------------------------------------------------
function compileSoon(ms) {
  debounce("compile", ms, compile);
  checkSoon(ms + 50);
}

async function compile() {
  const seq = ++state.seq.compile;
  setStatus("compiling…");
  let data;
  try {
    data = await post("/api/compile", { files: state.files });
  } catch (err) {
    if (seq === state.seq.compile) setStatus(err.message, "bad");
    return;
  }
  if (seq !== state.seq.compile) return; // a newer edit is being compiled
  state.diagnostics = data.diagnostics || [];
  renderTabs();
  renderSource();
  renderDiagnostics();
  if (data.ok) {
    const n = data.rulesets.reduce((a, r) => a + r.rules.length, 0);
    setStatus(`✓ compiled: ${data.rulesets.map((r) => `${r.name} (${r.rules.length} rules)`).join(", ")}`, "good");
    fillRulesets(data.leaves, data.rulesets.map((r) => r.name));
    $("source").dataset.compiled = n;
  } else {
    setStatus(`✗ ${state.diagnostics.length} compile error(s)`, "bad");
  }
}

function renderDiagnostics() {
  $("diagnostics").innerHTML = state.diagnostics
    .map(
      (d, i) =>
        `<li data-index="${i}" data-file="${esc(d.file || "")}" data-line="${d.line || ""}">${esc(d.file || "")}${d.line ? `:${d.line}:${d.column}` : ""}: ${esc(d.severity)}[${esc(d.code)}]: ${esc(d.message)}` +
        (d.hint ? `\n<span class="hint">hint: ${esc(d.hint)}</span>` : "") +
        "</li>",
    )
    .join("");
}

$("diagnostics").addEventListener("click", (e) => {
  const li = e.target.closest("li[data-index]");
  if (!li) return;
  const d = state.diagnostics[Number(li.dataset.index)];
  if (d.line) jumpTo(d.file, d.line, d.column);
});

function fillRulesets(leaves, names) {
  const sel = $("ctx-ruleset");
  const keep = sel.value;
  sel.innerHTML = '<option value="">(by locale)</option>' + names.map((n) => `<option${leaves.includes(n) ? "" : ' class="parent"'}>${esc(n)}</option>`).join("");
  if (names.includes(keep)) sel.value = keep;
}

// ---- examples -------------------------------------------------------------------------------
$("run-tests").addEventListener("click", runTests);

async function runTests() {
  const seq = ++state.seq.test;
  $("tests").innerHTML = "running the examples…";
  let data;
  try {
    data = await post("/api/test", { files: state.files });
  } catch (err) {
    $("tests").textContent = err.message;
    return;
  }
  if (seq !== state.seq.test) return;
  if (!data.ok) {
    $("tests").innerHTML = '<p class="summary bad">The pack does not compile: fix the errors above first.</p>';
    return;
  }
  const fails = data.outcomes.filter((o) => !o.passed);
  $("tests").innerHTML =
    `<p class="summary ${data.failed ? "bad" : "good"}" id="test-summary">${data.passed} passed, ${data.failed} failed</p>` +
    `<ul>${fails
      .map((o, i) => `<li class="fail" data-index="${i}">${esc(o.file)}:${o.line} [${esc(o.rule)}] ${o.bad ? "bad" : "good"} “${esc(o.text)}”: ${esc(o.reason)}</li>`)
      .join("")}</ul>`;
  $("tests").querySelectorAll("li.fail").forEach((li) => {
    const o = fails[Number(li.dataset.index)];
    li.addEventListener("click", () => jumpTo(o.file, o.line, o.column));
  });
}

// ---- reply check ----------------------------------------------------------------------------
for (const id of ["reply", "ctx-customer", "ctx-time"]) $(id).addEventListener("input", () => checkSoon(250));
for (const id of ["ctx-turn", "ctx-channel", "ctx-locale", "ctx-ruleset"]) $(id).addEventListener("change", () => checkSoon(0));
$("reply").addEventListener("scroll", () => ($("reply-backdrop").scrollTop = $("reply").scrollTop));

function checkSoon(ms) {
  debounce("check", ms, check);
}

function context() {
  return {
    turn: $("ctx-turn").value,
    channel: $("ctx-channel").value,
    locale: $("ctx-locale").value,
    time: $("ctx-time").value.trim(),
    customer: $("ctx-customer").value,
  };
}

async function check() {
  const text = $("reply").value;
  const seq = ++state.seq.check;
  $("check-error").hidden = true;
  if (!text) {
    renderCheck({ violations: [], rewritten: "", trace: [] }, text);
    return;
  }
  let data;
  try {
    data = await post("/api/check", { files: state.files, text, context: context(), ruleset: $("ctx-ruleset").value });
  } catch (err) {
    if (seq !== state.seq.check) return;
    $("check-error").textContent = err.message;
    $("check-error").hidden = false;
    return;
  }
  if (seq !== state.seq.check) return; // the reply changed meanwhile
  if (!data.ok) {
    $("check-error").textContent = "The pack does not compile: fix the errors on the left to check replies.";
    $("check-error").hidden = false;
    return;
  }
  renderCheck(data, text);
}

function renderCheck(data, text) {
  renderHighlights(text, data.violations);
  $("violations").innerHTML = data.violations
    .map(
      (v) =>
        `<li data-rule="${esc(v.rule)}"><span class="sev sev-${v.severity}">${esc(v.severity)}</span> <code>${esc(v.rule)}</code> ${esc(v.category)}: ${esc(v.message)}` +
        (v.end > v.start ? ` <span class="loc">“${esc(v.match)}” ${v.start}..${v.end}</span>` : ' <span class="loc">(whole reply)</span>') +
        v.suggestions.map((s) => `<div class="sugg">→ ${esc(s.description)}</div>`).join("") +
        "</li>",
    )
    .join("") || (text ? "<li>no violations</li>" : "");
  $("rewrite").textContent = text && data.rewritten !== text ? data.rewritten : text ? "(nothing to rewrite)" : "";
  renderTrace(data.trace);
  $("reply").dataset.checked = String(state.seq.check);
}

// Paint each stretch of the reply under the most severe violation covering it. Offsets are UTF-16
// units (utf16_start/utf16_end), which is exactly how JavaScript indexes strings.
function renderHighlights(text, violations) {
  const spans = violations.filter((v) => v.utf16_end > v.utf16_start);
  const cuts = new Set([0, text.length]);
  for (const v of spans) {
    cuts.add(v.utf16_start);
    cuts.add(v.utf16_end);
  }
  const points = [...cuts].sort((a, b) => a - b);
  let html = "";
  for (let i = 0; i + 1 < points.length; i++) {
    const [lo, hi] = [points[i], points[i + 1]];
    const piece = esc(text.slice(lo, hi));
    const over = spans.filter((v) => v.utf16_start <= lo && hi <= v.utf16_end);
    if (!over.length) {
      html += piece;
      continue;
    }
    const worst = over.reduce((a, b) => (SEVERITY_RANK[b.severity] > SEVERITY_RANK[a.severity] ? b : a));
    const title = over.map((v) => `${v.rule}: ${v.message}`).join("\n");
    html += `<mark class="sev-${worst.severity}" data-rules="${esc(over.map((v) => v.rule).join(" "))}" data-start="${lo}" data-end="${hi}" title="${esc(title)}">${piece}</mark>`;
  }
  $("reply-backdrop").innerHTML = html + "\n";
  $("reply-backdrop").scrollTop = $("reply").scrollTop;
}

// ---- explain trace --------------------------------------------------------------------------
const ORDER = { fired: 0, excused: 1, suppressed: 2, not_matched: 3 };

function renderTrace(trace) {
  const rules = [...(trace || [])].sort((a, b) => ORDER[a.verdict] - ORDER[b.verdict]);
  $("trace").innerHTML = rules
    .map(
      (t) =>
        `<details data-rule="${esc(t.rule)}" data-verdict="${esc(t.verdict)}"${t.verdict === "not_matched" ? "" : " open"}>` +
        `<summary><span class="verdict v-${t.verdict}">${esc(t.verdict.replace("_", " "))}</span> ${esc(t.rule)} <span class="loc">${esc(t.location)}</span></summary>` +
        `<p class="reason">${esc(t.reason)}</p>` +
        `<div>when:</div><ul>${node(t.when)}</ul>` +
        t.unless.map((u) => `<div>unless:</div><ul>${node(u)}</ul>`).join("") +
        t.removed.map(removal).join("") +
        "</details>",
    )
    .join("");
}

function spanText(s) {
  return `“${esc(s.text)}” ${s.start}..${s.end}`;
}

function node(n) {
  const spans = n.spans.map(spanText).join(" ");
  const extra = [spans + (n.on_customer && spans ? " (customer's message)" : ""), esc(n.note)].filter(Boolean).join("; ");
  return (
    `<li><span class="${n.holds ? "ok" : "no"}">${n.holds ? "✓" : "✗"}</span> <code title="${esc(n.location)}">${esc(n.source)}</code>` +
    (extra ? ` — ${extra}` : "") +
    (n.children.length ? `<ul>${n.children.map(node).join("")}</ul>` : "") +
    "</li>"
  );
}

function removal(r) {
  const cue = r.cue ? spanText(r.cue) : "?";
  const why =
    r.by === "unless"
      ? `overlaps ${cue} of <code>unless ${esc(r.source)}</code>`
      : `in scope <b>${esc(r.scope)}</b>: cue ${cue} ${r.distance} char(s) ${esc(r.direction)} it (<code>${esc(r.source)}</code>, within ${r.within})`;
  return `<div class="removed">removed ${spanText(r.span)}: ${why} <span class="loc">${esc(r.location)}</span></div>`;
}

loadStarters().catch((err) => setStatus(err.message, "bad"));

"""The audit report as one self-contained HTML page: inline CSS, inline SVG charts, a few lines of
inline JS to sort tables. No CDN, no external file: a compliance officer can open or mail it."""

from __future__ import annotations

from html import escape

from tactful.audit.score import WEIGHTS
from tactful.audit.summary import Summary

_COLOURS = {
    "rude": "#c0392b",
    "blame_shifting": "#d35400",
    "flat_refusal": "#e67e22",
    "contrastive_but": "#f1c40f",
    "unfulfillable_promise": "#8e44ad",
    "missing_courtesy": "#2980b9",
    "stalling": "#16a085",
    "privacy": "#2c3e50",
    "slang": "#7f8c8d",
}
_CSS = """
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI","Noto Sans CJK SC",sans-serif;margin:24px;color:#222;background:#fafafa}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}.muted{color:#666}
.cards{display:flex;gap:12px;flex-wrap:wrap;margin:16px 0}
.card{background:#fff;border:1px solid #ddd;border-radius:6px;padding:10px 16px;min-width:130px}
.card b{display:block;font-size:22px}.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(460px,1fr));gap:16px}
.panel{background:#fff;border:1px solid #ddd;border-radius:6px;padding:12px}svg text{font-size:12px;fill:#333}
table{border-collapse:collapse;background:#fff;width:100%;font-size:13px}th,td{border:1px solid #ddd;padding:4px 8px;text-align:left}
th{background:#f0f0f0;cursor:pointer;user-select:none}td.num{text-align:right}tr:nth-child(even) td{background:#fcfcfc}
"""
_JS = """
document.querySelectorAll("table.sortable th").forEach(function (th, col) {
  th.addEventListener("click", function () {
    var table = th.closest("table"), body = table.tBodies[0], rows = Array.prototype.slice.call(body.rows);
    var asc = th.dataset.dir !== "asc"; th.dataset.dir = asc ? "asc" : "desc";
    rows.sort(function (a, b) {
      var x = a.cells[col].dataset.v || a.cells[col].textContent, y = b.cells[col].dataset.v || b.cells[col].textContent;
      var nx = parseFloat(x), ny = parseFloat(y);
      var c = (!isNaN(nx) && !isNaN(ny)) ? nx - ny : x.localeCompare(y);
      return asc ? c : -c;
    });
    rows.forEach(function (r) { body.appendChild(r); });
  });
});
"""


def _hbar(name: str, items: list[tuple[str, float, str]], unit: str = "", width: int = 460) -> str:
    """Horizontal bar chart: one labelled <rect class="bar"> per item."""
    if not items:
        return f'<svg class="chart" data-chart="{name}" width="{width}" height="30"><text x="4" y="20">no data</text></svg>'
    row, label_w = 22, 190
    top = max(v for _, v, _ in items) or 1
    height = row * len(items) + 6
    parts = [f'<svg class="chart" data-chart="{name}" width="{width}" height="{height}" role="img" aria-label="{escape(name)}">']
    for k, (label, value, colour) in enumerate(items):
        y = 3 + k * row
        w = max(1.0, (width - label_w - 70) * value / top)
        shown = f"{value:.1f}" if isinstance(value, float) and not value.is_integer() else f"{int(value)}"
        parts.append(
            f'<text x="{label_w - 6}" y="{y + 15}" text-anchor="end">{escape(label[:28])}</text>'
            f'<rect class="bar" x="{label_w}" y="{y + 3}" width="{w:.1f}" height="{row - 7}" fill="{colour}">'
            f"<title>{escape(label)}: {shown}{unit}</title></rect>"
            f'<text x="{label_w + w + 5:.1f}" y="{y + 15}">{shown}{unit}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def _columns(name: str, items: list[tuple[str, float, int]], width: int = 940) -> str:
    """Vertical bars over time: violations per conversation in each bucket (count in the tooltip)."""
    if not items:
        return (
            f'<svg class="chart" data-chart="{name}" width="{width}" height="30"><text x="4" y="20">no timestamps in the input</text></svg>'
        )
    height, base, left = 220, 180, 40
    top = max(v for _, v, _ in items) or 1
    step = (width - left - 10) / len(items)
    parts = [f'<svg class="chart" data-chart="{name}" width="{width}" height="{height}" role="img" aria-label="{escape(name)}">']
    parts.append(f'<line x1="{left}" y1="{base}" x2="{width - 10}" y2="{base}" stroke="#999"/>')
    parts.append(f'<text x="{left - 4}" y="{base - 150 + 4}" text-anchor="end">{top:.2f}</text>')
    label_every = max(1, -(-len(items) * 64 // (width - left)))  # at least ~64 px per shown label
    for k, (label, value, n) in enumerate(items):
        h = 150 * value / top
        x = left + k * step
        parts.append(
            f'<rect class="col" x="{x + 1:.1f}" y="{base - h:.1f}" width="{max(step - 2, 1):.1f}" height="{h:.1f}" fill="#2980b9">'
            f"<title>{escape(label)}: {value:.2f} violations per conversation ({n} conversations)</title></rect>"
        )
        if k % label_every == 0:
            short = label[5:] if len(label) == 10 else label  # 2024-05-01 -> 05-01: the year is in the tooltip
            parts.append(f'<text x="{x + step / 2:.1f}" y="{base + 16}" text-anchor="middle">{escape(short)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _table(name: str, head: list[str], rows: list[list[object]]) -> str:
    out = [f'<table class="sortable" data-table="{name}"><thead><tr>']
    out += [f"<th>{escape(h)}</th>" for h in head]
    out.append("</tr></thead><tbody>")
    for row in rows:
        cells = []
        for cell in row:
            if isinstance(cell, int | float):
                cells.append(
                    f'<td class="num" data-v="{cell}">{cell:.1f}</td>' if isinstance(cell, float) else f'<td class="num">{cell}</td>'
                )
            else:
                cells.append(f"<td>{escape(str(cell))}</td>")
        out.append("<tr>" + "".join(cells) + "</tr>")
    out.append("</tbody></table>")
    return "".join(out)


def render_report(s: Summary, source: str) -> str:
    cats = sorted(s.by_category.items(), key=lambda kv: (-kv[1], kv[0]))
    rules = sorted(s.by_rule.items(), key=lambda kv: (-kv[1], kv[0]))
    agents = sorted(s.agents.items(), key=lambda kv: (kv[1].mean_score, kv[0]))
    cat_chart = _hbar("by-category", [(c, n, _COLOURS.get(c, "#555")) for c, n in cats])
    rule_chart = _hbar("by-rule", [(r, n, _COLOURS.get(s.rule_info.get(r, ("", ""))[0], "#555")) for r, n in rules[:20]])
    agent_chart = _hbar("by-agent", [(a, round(t.mean_score, 1), "#27ae60") for a, t in agents[:20]], " pts")
    time_items = [(b, v / n if n else 0.0, n) for b, (n, v, _) in sorted(s.by_time.items())]
    time_chart = _columns("over-time", time_items)
    formula = "100 − " + " − ".join(f"{w} × {sev}" for sev, w in WEIGHTS.items()) + ", floored at 0"
    cards = [
        ("conversations", f"{s.conversations:,}"),
        ("agent turns checked", f"{s.agent_turns:,}"),
        ("mean score", f"{s.mean_score:.1f}"),
        ("without violations", f"{100 * s.clean / max(s.conversations, 1):.1f}%"),
        ("violations", f"{s.violations:,}"),
        ("bad input lines", f"{s.errors:,}"),
    ]
    agent_rows: list[list[object]] = [
        [
            name,
            t.conversations,
            round(t.mean_score, 1),
            t.violations,
            max(t.by_rule.items(), key=lambda kv: (kv[1], kv[0]))[0] if t.by_rule else "",
        ]
        for name, t in agents
    ]
    rule_rows: list[list[object]] = [[r, *s.rule_info.get(r, ("", "")), n] for r, n in rules]
    worst_rows: list[list[object]] = [[cid, agent, -neg, n, names] for neg, cid, agent, n, names in s.worst]
    return "".join(
        [
            '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Tactful QA audit</title>',
            f"<style>{_CSS}</style></head><body>",
            "<h1>Tactful QA audit</h1>",
            f'<p class="muted">Input: {escape(source)} · score per conversation = {escape(formula)}; '
            "an agent's score is the mean over their conversations.</p>",
            '<div class="cards">' + "".join(f'<div class="card"><b>{v}</b>{escape(k)}</div>' for k, v in cards) + "</div>",
            '<div class="grid">',
            f'<div class="panel"><h2>Violations by category</h2>{cat_chart}</div>',
            f'<div class="panel"><h2>Violations by rule (top 20)</h2>{rule_chart}</div>',
            f'<div class="panel"><h2>Agents with the lowest mean score (20)</h2>{agent_chart}</div>',
            "</div>",
            f'<div class="panel"><h2>Violations per conversation over time</h2>{time_chart}</div>',
            "<h2>Agents</h2>",
            _table("agents", ["agent", "conversations", "mean score", "violations", "most frequent rule"], agent_rows),
            "<h2>Rules</h2>",
            _table("rules", ["rule", "category", "severity", "violations"], rule_rows),
            f"<h2>Lowest-scoring conversations ({len(worst_rows)})</h2>",
            _table("worst", ["conversation", "agent", "score", "violations", "rules"], worst_rows),
            f"<script>{_JS}</script></body></html>\n",
        ]
    )

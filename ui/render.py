"""Small HTML renderings the plot library cannot draw well: token chips, a padded batch grid,
and a progress bar. Every token and string is escaped; tokens come from user data."""

from __future__ import annotations

from html import escape
from typing import Any

from .i18n import text

SEGMENT = ("#eef2ff", "#fff7ed")  # first / second sentence background


def tokens_html(row: Any, lang: str) -> str:
    cells = []
    types = row.token_type_ids or [0] * len(row.tokens)
    for token, token_id, segment, mask, special in zip(row.tokens, row.input_ids, types,
                                                       row.attention_mask, row.special,
                                                       strict=True):
        css = "tok special" if special else "tok"
        cells.append(f'<div class="{css}" style="background:{SEGMENT[segment % 2]}">'
                     f'<div class="t">{escape(token)}</div><div class="id">{token_id}</div>'
                     f'<div class="meta">type {segment} · mask {mask}</div></div>')
    note = text("tokens.summary", lang, n=len(row.tokens), full=row.full_length)
    if row.truncated:
        note += " " + text("tokens.truncated", lang, n=len(row.tokens))
    return f'<div class="tokens">{"".join(cells)}</div><p class="note">{escape(note)}</p>'


def batch_html(demo: Any, lang: str, max_cols: int = 80) -> str:
    rows = []
    for tokens, mask in zip(demo.tokens, demo.attention_mask, strict=True):
        cells = "".join(
            f'<span class="{"pad" if m == 0 else "real"}" title="{escape(tok)}"></span>'
            for tok, m in list(zip(tokens, mask, strict=True))[:max_cols])
        rows.append(f'<div class="brow"><span class="blen">{sum(mask)}</span>{cells}</div>')
    legend = text("padding.legend", lang)
    return (f'<div class="batch">{"".join(rows)}</div><p class="note">{escape(legend)}</p>')


def progress_html(step: int, total: int | None, eta_s: float | None, state: str,
                  lang: str) -> str:
    share = min(1.0, step / total) if total else 0.0
    eta = text("train.eta", lang, time=_duration(eta_s)) if eta_s and state == "running" else ""
    label = escape(text(f"state.{state}", lang))
    where = escape(text("train.step_of", lang, step=step, total=total or "?"))
    return (f'<div class="progress"><div class="bar" style="width:{share:.1%}"></div></div>'
            f'<p class="note"><b>{label}</b> · {where} ({share:.0%}) {escape(eta)}</p>')


def _duration(seconds: float | None) -> str:
    if seconds is None:
        return "?"
    minutes, secs = divmod(int(seconds), 60)
    return f"{minutes} min {secs:02d} s" if minutes else f"{secs} s"


CSS = """
.tokens{display:flex;flex-wrap:wrap;gap:4px}
.tok{border:1px solid #c7d2fe;border-radius:6px;padding:3px 6px;font-family:ui-monospace,monospace;
     text-align:center;min-width:38px}
.tok .t{font-weight:600;font-size:14px;color:#111827}.tok .id{font-size:11px;color:#4b5563}
.tok .meta{font-size:10px;color:#6b7280}.tok.special{border:2px solid #f97316}
.note{color:#4b5563;font-size:13px;margin-top:6px}
.batch{display:flex;flex-direction:column;gap:2px;overflow-x:auto}
.brow{display:flex;gap:1px;align-items:center}.blen{width:34px;font-size:11px;color:#6b7280}
.brow .real{width:8px;height:14px;background:#4f46e5;border-radius:2px}
.brow .pad{width:8px;height:14px;background:#e5e7eb;border-radius:2px}
.progress{height:14px;background:#e5e7eb;border-radius:7px;overflow:hidden}
.progress .bar{height:100%;background:linear-gradient(90deg,#4f46e5,#10b981);transition:width .4s}
#hero h1{margin-bottom:2px}#hero p{color:#4b5563}
.steps-guide{display:flex;gap:8px;flex-wrap:wrap;margin:6px 0 4px 0}
.steps-guide span{background:#eef2ff;border-radius:14px;padding:3px 12px;font-size:13px}
"""

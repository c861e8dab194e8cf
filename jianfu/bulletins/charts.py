"""A section's chart as a horizontal bar chart: inline SVG for the page, PNG (drawn from the same
geometry with Pillow if present) for the Word file."""

from django.utils.html import escape

ROW = 22
LABEL_W = 120
BAR_W = 300
PAD = 8


def _geometry(chart: dict) -> tuple[list[tuple[str, float, float]], float, float | None]:
    values = [float(v or 0) for v in chart["values"]]
    mark = chart.get("mark")
    top = max([*values, float(mark or 0), 1.0])
    bars = [
        (str(label), v, BAR_W * v / top) for label, v in zip(chart["labels"], values, strict=False)
    ]
    return bars, top, (BAR_W * mark / top if mark else None)


def svg(chart: dict) -> str:
    bars, _top, mark_x = _geometry(chart)
    unit = escape(chart.get("unit") or "")
    height = PAD * 2 + ROW * len(bars) + (16 if mark_x is not None else 0)
    width = LABEL_W + BAR_W + 70
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" role="img" viewBox="0 0 {width} {height}" '
        f'width="100%" class="jf-bulletin-chart" aria-label="{escape(chart.get("title", ""))}">'
    ]
    for i, (label, value, w) in enumerate(bars):
        y = PAD + i * ROW
        shown = f"{value:g}{unit}"
        out.append(
            f'<text x="{LABEL_W - 6}" y="{y + 15}" text-anchor="end" font-size="12">'
            f"{escape(label)}</text>"
            f'<rect x="{LABEL_W}" y="{y + 3}" width="{w:.1f}" height="{ROW - 8}" '
            'fill="#c0392b" opacity=".85">'
            f"<title>{escape(label)} {shown}</title></rect>"
            f'<text x="{LABEL_W + w + 4:.1f}" y="{y + 15}" font-size="11">{shown}</text>'
        )
    if mark_x is not None:
        x = LABEL_W + mark_x
        y2 = PAD + ROW * len(bars)
        label = escape(chart.get("mark_label", ""))
        out.append(
            f'<line x1="{x:.1f}" y1="{PAD}" x2="{x:.1f}" y2="{y2}" stroke="#1f4e79" '
            'stroke-dasharray="4 3"/>'
            f'<text x="{x:.1f}" y="{y2 + 13}" font-size="11" text-anchor="middle" fill="#1f4e79">'
            f"{label} {chart['mark']:g}{unit}</text>"
        )
    out.append("</svg>")
    return "".join(out)


def with_charts(sections: list[dict]) -> list[dict]:
    return [{**s, "svg": svg(s["chart"]) if s.get("chart") else ""} for s in sections]


def png(chart: dict, font_path: str | None = None) -> bytes | None:
    """The chart as a PNG for the Word file, or None when Pillow is not installed."""
    try:
        from PIL import Image, ImageDraw, ImageFont
    except ImportError:
        return None
    import io

    scale = 3
    bars, _top, mark_x = _geometry(chart)
    unit = chart.get("unit") or ""
    width = (LABEL_W + BAR_W + 70) * scale
    height = (PAD * 2 + ROW * len(bars) + (16 if mark_x is not None else 0)) * scale
    img = Image.new("RGB", (width, height), "white")
    draw = ImageDraw.Draw(img)
    try:
        font = ImageFont.truetype(font_path, 12 * scale) if font_path else ImageFont.load_default()
    except OSError:
        font = ImageFont.load_default()
    for i, (label, value, w) in enumerate(bars):
        y = (PAD + i * ROW) * scale
        tw = draw.textlength(label, font=font)
        draw.text(((LABEL_W - 6) * scale - tw, y + 3 * scale), label, fill="black", font=font)
        draw.rectangle(
            [LABEL_W * scale, y + 3 * scale, (LABEL_W + w) * scale, y + (ROW - 5) * scale],
            fill=(192, 57, 43),
        )
        draw.text(
            ((LABEL_W + w + 4) * scale, y + 3 * scale), f"{value:g}{unit}", fill="black", font=font
        )
    if mark_x is not None:
        x = (LABEL_W + mark_x) * scale
        y2 = (PAD + ROW * len(bars)) * scale
        draw.line([x, PAD * scale, x, y2], fill=(31, 78, 121), width=scale)
        text = f"{chart.get('mark_label', '')} {chart['mark']:g}{unit}"
        draw.text(
            (x - draw.textlength(text, font=font) / 2, y2 + 2 * scale),
            text,
            fill=(31, 78, 121),
            font=font,
        )
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()

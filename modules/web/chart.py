"""The projected stock chart of a reorder rule, drawn as an SVG string (no JavaScript, no plotting library).

A step line of the forecast level from today to the horizon, changing on each
day with planned moves in or out (each a dot whose tooltip says what moves),
over the rule's min/max band, with today's on-hand level and the forecasted
date marked — what Odoo's forecasted report graph shows, readable without a
script.
"""
import datetime

from markupsafe import escape

WIDTH, HEIGHT = 640, 240
LEFT, RIGHT, TOP, BOTTOM = 56, 16, 16, 36


def _number(value):
    return f"{value:g}"


def svg(projection):
    """The chart of one row of ``stock.reorder.rule.projection()`` (its records read by the caller)."""
    today = datetime.date.today()
    until = max(projection["until"], today + datetime.timedelta(days=1))
    low_band, high_band = projection["min_quantity"], projection["max_quantity"]
    points = projection["points"]
    levels = [projection["on_hand"]] + [p["quantity"] for p in points]
    low = min([0.0, low_band] + levels)
    high = max([high_band, low_band] + levels)
    if high - low < 1e-9:
        high = low + 1
    span = high - low
    low, high = low - span * 0.05, high + span * 0.1
    days = (until - today).days

    def x(date):
        return LEFT + (WIDTH - LEFT - RIGHT) * ((min(max(date, today), until) - today).days / days)

    def y(value):
        return TOP + (HEIGHT - TOP - BOTTOM) * (1 - (value - low) / (high - low))

    name = escape(projection.get("title", ""))
    parts = [f'<svg xmlns="http://www.w3.org/2000/svg" class="projection" viewBox="0 0 {WIDTH} {HEIGHT}" '
             f'width="{WIDTH}" height="{HEIGHT}" role="img" aria-label="Projected stock of {name}">',
             f"<title>Projected stock of {name}</title>",
             f'<rect class="band" x="{LEFT}" y="{y(high_band):.1f}" width="{WIDTH - LEFT - RIGHT}" '
             f'height="{max(y(low_band) - y(high_band), 1):.1f}" fill="#cfe8cf" fill-opacity="0.7">'
             f"<title>min {_number(low_band)} – max {_number(high_band)}</title></rect>",
             f'<line class="axis" x1="{LEFT}" y1="{y(0):.1f}" x2="{WIDTH - RIGHT}" y2="{y(0):.1f}" stroke="#888"/>']
    for value, label in ((low_band, "min"), (high_band, "max")):
        parts.append(f'<line class="{label}" x1="{LEFT}" y1="{y(value):.1f}" x2="{WIDTH - RIGHT}" y2="{y(value):.1f}" '
                     f'stroke="#3a7d3a" stroke-dasharray="4 3"/>'
                     f'<text x="{LEFT - 4}" y="{y(value) + 4:.1f}" text-anchor="end" font-size="11">'
                     f"{label} {_number(value)}</text>")
    parts.append(f'<text x="{LEFT - 4}" y="{y(0) + 4:.1f}" text-anchor="end" font-size="11">0</text>')
    forecasted = projection["forecasted_date"]
    if today <= forecasted <= until:
        parts.append(f'<line class="forecasted-date" x1="{x(forecasted):.1f}" y1="{TOP}" x2="{x(forecasted):.1f}" '
                     f'y2="{HEIGHT - BOTTOM}" stroke="#c0392b" stroke-dasharray="2 2"/>'
                     f'<text x="{x(forecasted) + 3:.1f}" y="{TOP + 10}" font-size="11" fill="#c0392b">'
                     f"forecasted date {forecasted.isoformat()}</text>")
    level = projection["on_hand"]
    path = [f"M{x(today):.1f},{y(level):.1f}"]
    dots = [f'<circle class="on-hand" cx="{x(today):.1f}" cy="{y(level):.1f}" r="4" fill="#2c3e50">'
            f"<title>{today.isoformat()}: on hand {_number(level)}</title></circle>"]
    for point in points:
        path.append(f"H{x(point['date']):.1f}V{y(point['quantity']):.1f}")
        moved = ", ".join(text for text, quantity in (("in", point["incoming"]), ("out", point["outgoing"])) if quantity)
        detail = ", ".join(f"{_number(q)} {t}" for t, q in (("in", point["incoming"]), ("out", point["outgoing"])) if q)
        dots.append(f'<circle class="move {moved.replace(", ", "-")}" cx="{x(point["date"]):.1f}" '
                    f'cy="{y(point["quantity"]):.1f}" r="3.5" fill="#2980b9"><title>{point["date"].isoformat()}: '
                    f'{detail} → {_number(point["quantity"])}</title></circle>')
    path.append(f"H{x(until):.1f}")
    parts.append(f'<path class="level" d="{"".join(path)}" fill="none" stroke="#2980b9" stroke-width="2"/>')
    parts.extend(dots)
    for date, anchor in ((today, "start"), (until, "end")):
        parts.append(f'<text x="{x(date):.1f}" y="{HEIGHT - BOTTOM + 16}" text-anchor="{anchor}" font-size="11">'
                     f"{date.isoformat()}</text>")
    parts.append("</svg>")
    return "".join(parts)

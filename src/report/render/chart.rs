//! Inline SVG bar charts for the HTML page: bars, value labels, both axes with ticks and axis
//! titles. Every text is escaped here; the output has no script and no external reference.

/// Escape text for HTML and SVG content and attribute values; control characters are made
/// printable first (the page is printed on standard output, and they are not text in HTML).
pub(crate) fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in crate::human::printable(text).chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

/// A bar chart to draw.
pub(crate) struct BarChart<'a> {
    /// Accessible title (`<title>` and `aria-label`).
    pub title: &'a str,
    /// Title of the horizontal axis.
    pub x_label: &'a str,
    /// Title of the vertical axis.
    pub y_label: &'a str,
    /// Bars: label and value (at least 0).
    pub bars: Vec<(String, f64)>,
    /// How a value is written on ticks and above bars.
    pub format: fn(f64) -> String,
    /// Whole-number values (counts): the axis reaches at least 5 so every tick is whole.
    pub whole: bool,
}

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 300.0;
const LEFT: f64 = 70.0;
const RIGHT: f64 = 16.0;
const TOP: f64 = 20.0;
const BOTTOM: f64 = 70.0;

/// The smallest "nice" number (1, 2 or 5 times a power of ten) at least `value`.
fn nice_ceiling(value: f64) -> f64 {
    if value <= 0.0 || !value.is_finite() {
        return 1.0;
    }
    let power = 10f64.powf(value.log10().floor());
    [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * power)
        .find(|v| *v >= value)
        .unwrap_or(10.0 * power)
}

/// The chart as an inline `<svg>` element.
pub(crate) fn bar_chart(chart: &BarChart<'_>) -> String {
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let max = chart.bars.iter().map(|b| b.1).fold(0.0, f64::max);
    // Five divisions of a nice ceiling (1, 2 or 5 times a power of ten): at least 5 for counts
    // keeps every tick a whole number.
    let top = if chart.whole {
        nice_ceiling(max).max(5.0)
    } else {
        nice_ceiling(max)
    };
    let y = |v: f64| TOP + plot_h - (v / top) * plot_h;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" viewBox=\"0 0 {WIDTH} {HEIGHT}\" \
         width=\"{WIDTH}\" height=\"{HEIGHT}\" role=\"img\" aria-label=\"{t}\"><title>{t}</title>\n",
        t = escape(chart.title)
    );
    for i in 0..=5 {
        let v = top * f64::from(i) / 5.0;
        let yy = y(v);
        svg.push_str(&format!(
            "<line class=\"grid\" x1=\"{LEFT}\" y1=\"{yy:.1}\" x2=\"{:.1}\" y2=\"{yy:.1}\"/>\
             <text class=\"tick\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"end\">{}</text>\n",
            WIDTH - RIGHT,
            LEFT - 6.0,
            yy + 4.0,
            escape(&(chart.format)(v))
        ));
    }
    let n = chart.bars.len().max(1) as f64;
    let slot = plot_w / n;
    let bar_w = (slot * 0.7).min(80.0);
    for (i, (label, value)) in chart.bars.iter().enumerate() {
        let cx = LEFT + slot * (i as f64 + 0.5);
        let yy = y(value.max(0.0));
        svg.push_str(&format!(
            "<rect class=\"bar\" x=\"{:.1}\" y=\"{yy:.1}\" width=\"{bar_w:.1}\" height=\"{:.1}\">\
             <title>{}: {}</title></rect>\
             <text class=\"value\" x=\"{cx:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>\
             <text class=\"tick\" x=\"{cx:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>\n",
            cx - bar_w / 2.0,
            TOP + plot_h - yy,
            escape(label),
            escape(&(chart.format)(*value)),
            yy - 4.0,
            escape(&(chart.format)(*value)),
            TOP + plot_h + 16.0,
            escape(label)
        ));
    }
    if chart.bars.is_empty() {
        svg.push_str(&format!(
            "<text class=\"empty\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">no data in the window</text>\n",
            LEFT + plot_w / 2.0,
            TOP + plot_h / 2.0
        ));
    }
    svg.push_str(&format!(
        "<line class=\"axis\" x1=\"{LEFT}\" y1=\"{TOP}\" x2=\"{LEFT}\" y2=\"{b:.1}\"/>\
         <line class=\"axis\" x1=\"{LEFT}\" y1=\"{b:.1}\" x2=\"{:.1}\" y2=\"{b:.1}\"/>\n\
         <text class=\"axis-title\" x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>\n\
         <text class=\"axis-title\" x=\"0\" y=\"0\" text-anchor=\"middle\" \
         transform=\"translate(16 {:.1}) rotate(-90)\">{}</text>\n</svg>",
        WIDTH - RIGHT,
        LEFT + plot_w / 2.0,
        HEIGHT - 20.0,
        escape(chart.x_label),
        TOP + plot_h / 2.0,
        escape(chart.y_label),
        b = TOP + plot_h,
    ));
    svg
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_covers_markup_and_quotes() {
        assert_eq!(
            escape("<b>\"O'Brien\" & co</b>"),
            "&lt;b&gt;&quot;O&#39;Brien&quot; &amp; co&lt;/b&gt;"
        );
    }

    #[test]
    fn nice_ceilings() {
        for (v, nice) in [
            (0.0, 1.0),
            (3.0, 5.0),
            (7.0, 10.0),
            (12.0, 20.0),
            (76.64, 100.0),
        ] {
            assert_eq!(nice_ceiling(v), nice, "{v}");
        }
    }

    #[test]
    fn chart_escapes_labels_and_has_axes() {
        let svg = bar_chart(&BarChart {
            title: "t",
            x_label: "week",
            y_label: "breaches",
            bars: vec![("<x>".into(), 2.0)],
            format: |v| format!("{v:.0}"),
            whole: true,
        });
        assert!(svg.contains("&lt;x&gt;") && !svg.contains("<x>"), "{svg}");
        assert!(svg.contains(">week</text>") && svg.contains(">breaches</text>"));
        assert_eq!(svg.matches("<rect").count(), 1);
        for tick in ["0", "1", "2", "3", "4", "5"] {
            assert!(
                svg.contains(&format!("text-anchor=\"end\">{tick}</text>")),
                "{tick}"
            );
        }
    }
}

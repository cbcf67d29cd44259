//! The report as one self-contained HTML page: inline CSS, inline SVG charts (time to
//! deprovision, breaches per ISO week, cost reclaimed per month) and the tables. No script, no
//! external request; every text from the journals is escaped.

use super::super::model::Report;
use super::chart::{BarChart, bar_chart, escape};
use super::money;
use super::table::summary_lines;
use super::tables;

/// Histogram buckets of time to deprovision: upper bound in seconds (inclusive) and label.
const BUCKETS: [(i64, &str); 7] = [
    (15 * 60, "≤ 15m"),
    (3600, "15m–1h"),
    (4 * 3600, "1h–4h"),
    (86_400, "4h–1d"),
    (3 * 86_400, "1d–3d"),
    (7 * 86_400, "3d–7d"),
    (i64::MAX, "> 7d"),
];

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:2rem;\
color:#1b1f24;background:#fff;max-width:1100px}h1{font-size:1.6rem;margin:0 0 .5rem}\
h2{font-size:1.15rem;margin:2rem 0 .5rem;border-bottom:1px solid #d0d7de;padding-bottom:.25rem}\
dl.summary{display:grid;grid-template-columns:max-content 1fr;gap:.25rem 1rem}\
dl.summary dt{font-weight:600}dl.summary dd{margin:0}\
table{border-collapse:collapse;margin:.5rem 0;font-size:.9rem}\
th,td{border:1px solid #d0d7de;padding:.3rem .6rem;text-align:left}th{background:#f6f8fa}\
td.num{text-align:right}.charts{display:flex;flex-wrap:wrap;gap:1.5rem}\
figure{margin:0}figcaption{font-weight:600;margin-bottom:.25rem}\
svg .bar{fill:#2f6fbf}svg .grid{stroke:#e5e9ee}svg .axis{stroke:#57606a;stroke-width:1.2}\
svg text{font-size:11px;fill:#1b1f24}svg .axis-title{font-size:12px;font-weight:600}\
svg .value{font-size:11px;fill:#24292f}svg .empty{fill:#57606a}";

/// The report as a complete HTML document.
pub fn html(report: &Report) -> String {
    let mut out = String::from(
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>Offboarding report</title>\n",
    );
    out.push_str(&format!("<style>{STYLE}</style>\n</head>\n<body>\n"));
    out.push_str("<h1>Offboarding report</h1>\n<dl class=\"summary\">\n");
    for (label, value) in summary_lines(report) {
        out.push_str(&format!(
            "<dt>{}</dt><dd>{}</dd>\n",
            escape(label),
            escape(&value)
        ));
    }
    out.push_str("</dl>\n<h2>Charts</h2>\n<div class=\"charts\">\n");
    for (caption, svg) in charts(report) {
        out.push_str(&format!(
            "<figure><figcaption>{}</figcaption>\n{svg}\n</figure>\n",
            escape(caption)
        ));
    }
    out.push_str("</div>\n");
    for table in tables(report) {
        out.push_str(&format!("<h2>{}</h2>\n", escape(table.title)));
        if table.rows.is_empty() {
            out.push_str("<p>None.</p>\n");
            continue;
        }
        out.push_str("<table>\n<thead><tr>");
        for h in &table.header {
            out.push_str(&format!("<th scope=\"col\">{}</th>", escape(h)));
        }
        out.push_str("</tr></thead>\n<tbody>\n");
        for row in &table.rows {
            out.push_str("<tr>");
            for c in row {
                let numeric = !c.is_empty()
                    && c.chars()
                        .all(|ch| ch.is_ascii_digit() || ch == '.' || ch == '-');
                let class = if numeric { " class=\"num\"" } else { "" };
                out.push_str(&format!("<td{class}>{}</td>", escape(c)));
            }
            out.push_str("</tr>\n");
        }
        out.push_str("</tbody>\n</table>\n");
    }
    out.push_str("</body>\n</html>\n");
    out
}

/// The three charts with their captions.
fn charts(report: &Report) -> Vec<(&'static str, String)> {
    let mut histogram: Vec<(String, f64)> = BUCKETS
        .iter()
        .map(|(_, l)| ((*l).to_owned(), 0.0))
        .collect();
    for timing in &report.deprovisioned {
        if let Some(i) = BUCKETS
            .iter()
            .position(|(upper, _)| timing.seconds <= *upper)
        {
            histogram[i].1 += 1.0;
        }
    }
    let count = |v: f64| format!("{v:.0}");
    let weeks = report
        .breaches_by_week
        .iter()
        .map(|w| (w.week.clone(), w.count as f64))
        .collect();
    let months = report
        .cost_by_month
        .iter()
        .map(|m| (m.month.clone(), m.monthly_cost_cents as f64))
        .collect();
    vec![
        (
            "Time to deprovision (runs, HR effective time to last confirmation)",
            bar_chart(&BarChart {
                title: "Histogram of time to deprovision",
                x_label: "time to deprovision",
                y_label: "runs",
                bars: histogram,
                format: count,
                whole: true,
            }),
        ),
        (
            "SLO breaches per ISO week (week of the missed deadline)",
            bar_chart(&BarChart {
                title: "SLO breaches per ISO week",
                x_label: "ISO week",
                y_label: "breaches",
                bars: weeks,
                format: count,
                whole: true,
            }),
        ),
        (
            "Monthly cost reclaimed, by month of confirmation",
            bar_chart(&BarChart {
                title: "Monthly cost reclaimed per month",
                x_label: "month",
                y_label: "cost a month",
                bars: months,
                format: |cents| money(cents.round() as i64),
                whole: false,
            }),
        ),
    ]
}

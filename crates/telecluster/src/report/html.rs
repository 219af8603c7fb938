//! The report as one self-contained HTML page: inline SVG and CSS, no script, no network.
//! Every string from the data is escaped.

use std::fmt::Write;

use crate::analysis::{Analysis, EpsChoice, KChoice};
use crate::explain::profile::Profile;
use crate::format::human;
use crate::report::svg::escape;
use crate::report::words;
use crate::report::Pictures;

const STYLE: &str = "\
body{font-family:'DejaVu Sans',Verdana,Arial,sans-serif;margin:0 auto;max-width:1100px;padding:0 24px 48px;color:#111}\
h1{margin:24px 0 4px}h2{border-bottom:2px solid #0072B2;padding-bottom:4px;margin-top:40px}\
.src{color:#444;margin:0 0 12px}table{border-collapse:collapse;margin:12px 0;font-size:14px}\
th,td{border-bottom:1px solid #ddd;padding:4px 10px;text-align:left;vertical-align:top}\
td.num{text-align:right;font-variant-numeric:tabular-nums}th{background:#f2f2f2}\
figure{margin:16px 0}figcaption{color:#444;font-size:13px;margin-top:4px}\
.name{font-weight:bold}.flag{color:#C0392B}svg{max-width:100%;height:auto}";

/// The report page.
pub fn html(a: &Analysis, pics: &Pictures) -> String {
    let mut o = String::new();
    let src = escape(&a.header.source);
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>telecluster report: {src}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n"
    );
    let _ = writeln!(
        o,
        "<header><h1>telecluster report</h1><p class=\"src\">{src}: {} rows, features {}</p></header>",
        a.header.rows,
        escape(&a.header.features.join(", "))
    );
    summary(&mut o, a);
    figure(&mut o, "data", "The telemetry", &pics.raw, "Every row, as read.");
    kmeans(&mut o, a, pics);
    dbscan(&mut o, a, pics);
    hierarchy(&mut o, a, pics);
    parameters(&mut o, a);
    o.push_str("</body>\n</html>\n");
    o
}

fn figure(o: &mut String, id: &str, heading: &str, svg: &str, caption: &str) {
    let _ = writeln!(
        o,
        "<section id=\"{id}\"><h2>{}</h2>\n<figure class=\"plot\" data-plot=\"{id}\">\n{svg}<figcaption>{}</figcaption></figure>\n</section>",
        escape(heading),
        escape(caption)
    );
}

fn plot(o: &mut String, name: &str, svg: &str, caption: &str) {
    let _ = writeln!(
        o,
        "<figure class=\"plot\" data-plot=\"{name}\">\n{svg}<figcaption>{}</figcaption></figure>",
        escape(caption)
    );
}

fn summary(o: &mut String, a: &Analysis) {
    let km = &a.kmeans;
    let db = &a.dbscan;
    let _ = writeln!(o, "<section id=\"summary\"><h2>Summary</h2>");
    let names: Vec<String> = km
        .profiles
        .iter()
        .map(|p| format!("<span class=\"name\">{}</span>", escape(&p.name)))
        .collect();
    let _ = writeln!(
        o,
        "<p>{} rows behave in <b>{} groups</b>: {}. DBSCAN finds <b class=\"flag\">{} anomalies</b>, rows that fit no group: the alert candidates, ranked below.</p>",
        a.header.rows,
        km.k,
        names.join(", "),
        db.n_noise
    );
    consensus(o, a);
    let medians = |p: &Profile| p.traits.iter().map(|t| t.median).collect();
    group_table(o, "groups", "median", &a.header.features, &km.profiles, medians, true);
    let _ = writeln!(o, "<h3>Anomalies, highest score first</h3>");
    anomalies(o, a);
    let _ = writeln!(o, "</section>");
}

/// The rows several views agree on, first: the strongest alert candidates.
fn consensus(o: &mut String, a: &Analysis) {
    let c = &a.consensus;
    let _ = writeln!(
        o,
        "<h3>Flagged by several views</h3><p>Each row is looked at four ways: in no DBSCAN group, an outlier score beyond the fence of all scores ({}), a feature beyond {} robust z of the fleet, a late singleton in the Ward tree. Confidence is how many agree.</p>",
        human(c.score_fence),
        crate::explain::consensus::Z_FLAG
    );
    if c.anomalies.is_empty() {
        let _ = writeln!(o, "<p>No row is flagged by two views or more.</p>");
        return;
    }
    let _ = writeln!(
        o,
        "<table class=\"consensus\"><thead><tr><th>#</th><th>id</th><th>confidence</th><th>why</th></tr></thead><tbody>"
    );
    for (i, an) in c.anomalies.iter().take(MAX_LISTED).enumerate() {
        let _ = writeln!(
            o,
            "<tr class=\"consensus-anomaly\"><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{} of {}</td><td>{}</td></tr>",
            i + 1,
            escape(&an.id),
            an.confidence,
            an.of,
            escape(&an.to_string())
        );
    }
    let _ = writeln!(o, "</tbody></table>");
    let more = c.anomalies.len().saturating_sub(MAX_LISTED);
    if more > 0 {
        let _ = writeln!(o, "<p>... and {more} more in the JSON of the analysis.</p>");
    }
}

/// One row per group: number, name, size, a value per feature and, with `notes`, what stands
/// out.
fn group_table(
    o: &mut String,
    class: &str,
    prefix: &str,
    features: &[String],
    profiles: &[Profile],
    values: impl Fn(&Profile) -> Vec<f64>,
    notes: bool,
) {
    let _ = write!(
        o,
        "<table class=\"{class}\"><thead><tr><th>group</th><th>name</th><th>rows</th>"
    );
    for f in features {
        let _ = write!(o, "<th>{prefix} {}</th>", escape(f));
    }
    if notes {
        let _ = write!(o, "<th>what stands out</th>");
    }
    let _ = writeln!(o, "</tr></thead><tbody>");
    for p in profiles {
        let _ = write!(
            o,
            "<tr><td class=\"num\">{}</td><td class=\"name\">{}</td><td class=\"num\">{}</td>",
            p.cluster,
            escape(&p.name),
            p.size
        );
        for v in values(p) {
            let _ = write!(o, "<td class=\"num\">{}</td>", human(v));
        }
        if notes {
            let text = if p.notes.is_empty() {
                "every feature near the fleet's median".to_string()
            } else {
                p.notes.join(", ")
            };
            let _ = write!(o, "<td>{}</td>", escape(&text));
        }
        let _ = writeln!(o, "</tr>");
    }
    let _ = writeln!(o, "</tbody></table>");
}

/// Anomalies listed in the page; all of them are in the JSON.
pub const MAX_LISTED: usize = 200;

fn anomalies(o: &mut String, a: &Analysis) {
    if a.dbscan.anomalies.is_empty() {
        let _ = writeln!(o, "<p>No row lies apart from every group.</p>");
        return;
    }
    let _ = write!(
        o,
        "<table class=\"anomalies\"><thead><tr><th>#</th><th>id</th><th>score</th>"
    );
    for f in &a.header.features {
        let _ = write!(o, "<th>{}</th>", escape(f));
    }
    let _ = writeln!(o, "<th>why</th></tr></thead><tbody>");
    for (i, an) in a.dbscan.anomalies.iter().take(MAX_LISTED).enumerate() {
        let _ = write!(
            o,
            "<tr class=\"anomaly\"><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{:.2}</td>",
            i + 1,
            escape(&an.id),
            an.score
        );
        for v in an.values.values() {
            let _ = write!(o, "<td class=\"num\">{}</td>", human(v));
        }
        let _ = writeln!(o, "<td>{}</td></tr>", escape(&words::reasons(&an.reasons)));
    }
    let _ = writeln!(o, "</tbody></table>");
    let more = a.dbscan.anomalies.len().saturating_sub(MAX_LISTED);
    if more > 0 {
        let _ = writeln!(
            o,
            "<p>... and {more} more, lower scores, in the JSON of the analysis.</p>"
        );
    }
}

fn kmeans(o: &mut String, a: &Analysis, pics: &Pictures) {
    let km = &a.kmeans;
    let _ = writeln!(o, "<section id=\"kmeans\"><h2>K-Means: {} groups</h2>", km.k);
    let _ = writeln!(
        o,
        "<p>k = {} ({}), inertia {} in scaled units.</p>",
        km.k,
        escape(words::k_chosen_by(km.chosen_by)),
        human(km.inertia)
    );
    if let Some(svg) = &pics.elbow {
        plot(
            o,
            "elbow",
            svg,
            "Inertia and mean silhouette for each k; the knee and the chosen k are marked.",
        );
    }
    plot(
        o,
        "kmeans",
        &pics.kmeans,
        "Rows coloured and shaped by group; crosses are the centroids, in original units.",
    );
    let centroid = |p: &Profile| km.clusters[p.cluster as usize].centroid.values().collect();
    group_table(
        o,
        "centroids",
        "centroid",
        &a.header.features,
        &km.profiles,
        centroid,
        false,
    );
    let _ = writeln!(o, "</section>");
}

fn dbscan(o: &mut String, a: &Analysis, pics: &Pictures) {
    let db = &a.dbscan;
    let _ = writeln!(
        o,
        "<section id=\"dbscan\"><h2>DBSCAN: {} groups, {} anomalies</h2>",
        db.n_clusters, db.n_noise
    );
    let _ = writeln!(
        o,
        "<p>eps {} (scaled units, {}), min_samples {}.</p>",
        human(db.eps),
        escape(words::eps_chosen_by(db.eps_chosen_by)),
        db.min_samples
    );
    for w in &db.red_flags {
        let _ = writeln!(o, "<p class=\"flag\">{}</p>", escape(&w.to_string()));
    }
    if let Some(svg) = &pics.kdist {
        plot(
            o,
            "kdist",
            svg,
            "Each row's distance to its k-th nearest neighbour, sorted; eps is taken at the knee.",
        );
    }
    plot(
        o,
        "dbscan",
        &pics.dbscan,
        "Groups found by density; crosses are anomalies, the highest-scoring named.",
    );
    let medians = |p: &Profile| p.traits.iter().map(|t| t.median).collect();
    group_table(
        o,
        "dbscan-groups",
        "median",
        &a.header.features,
        &db.profiles,
        medians,
        false,
    );
    let _ = writeln!(o, "</section>");
}

fn hierarchy(o: &mut String, a: &Analysis, pics: &Pictures) {
    let h = &a.hierarchy;
    let rows = h.n_observations;
    let sampled = if h.sample.is_some() {
        format!(" (a seeded sample of {rows} of {})", a.header.rows)
    } else {
        String::new()
    };
    let coph = h
        .cophenetic_correlation
        .map_or("undefined".to_string(), |c| format!("{c:.4}"));
    let _ = writeln!(o, "<section id=\"hierarchy\"><h2>Hierarchy: {} linkage</h2>", h.method);
    let cut = h.cut.as_ref().map_or(String::new(), |c| {
        let sizes: Vec<String> = c.clusters.iter().map(|k| k.size.to_string()).collect();
        format!(" Cut into {} clusters: sizes {}.", c.n_clusters, sizes.join(", "))
    });
    let _ = writeln!(o, "<p>{rows} rows{sampled}; cophenetic correlation {coph}.{cut}</p>");
    plot(
        o,
        "dendrogram",
        &pics.dendrogram,
        "How rows relate: the height of a merge is the distance between the groups it joins.",
    );
    let _ = writeln!(o, "</section>");
}

fn parameters(o: &mut String, a: &Analysis) {
    let (km, db, h) = (&a.kmeans.params, &a.dbscan.params, &a.hierarchy.params);
    let rows: Vec<(&str, String)> = vec![
        ("telecluster", a.header.version.clone()),
        ("scaling", a.header.scaling.as_str().to_string()),
        ("seed", km.seed.to_string()),
        (
            "K-Means k",
            match km.n_clusters {
                KChoice::Given(k) => k.to_string(),
                KChoice::Auto { k_max } => format!("auto (1..{k_max})"),
            },
        ),
        ("K-Means n_init", km.n_init.to_string()),
        (
            "DBSCAN eps",
            match db.eps {
                EpsChoice::Given(e) => human(e),
                EpsChoice::Auto => "auto (k-distance knee)".into(),
            },
        ),
        ("DBSCAN min_samples", a.dbscan.min_samples.to_string()),
        ("hierarchy method", h.method.to_string()),
        (
            "hierarchy rows at most",
            h.sample.map_or("all".into(), |s| s.to_string()),
        ),
        ("picture axes", format!("{} × {}", a.view.x_label, a.view.y_label)),
    ];
    let _ = writeln!(
        o,
        "<section id=\"parameters\"><h2>Parameters and versions</h2><table><tbody>"
    );
    for (k, v) in rows {
        let _ = writeln!(o, "<tr><th>{}</th><td>{}</td></tr>", escape(k), escape(&v));
    }
    let _ = writeln!(o, "</tbody></table></section>");
}

/// The page of `telecluster diff`: what changed, the before/after picture, the changes table.
/// `after` holds the after window's rows in `features`' order, original units.
pub fn diff_html(
    d: &crate::diff::Diff,
    before: &str,
    after_name: &str,
    after: &crate::Matrix,
    features: &[String],
) -> String {
    let mut o = String::new();
    let (b, a) = (escape(before), escape(after_name));
    let _ = write!(
        o,
        "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
         <title>telecluster diff: {b} → {a}</title>\n<style>{STYLE}</style>\n</head>\n<body>\n\
         <header><h1>What changed</h1><p class=\"src\">{b} → {a}</p></header>\n"
    );
    let _ = writeln!(
        o,
        "<section id=\"summary\"><h2>Summary</h2><p>{} entities before, {} after, {} in both: <b class=\"flag\">{} changed</b>, {} unchanged. Changes are ranked by how far the entity moved (prepared units); entities that appeared or disappeared follow.</p></section>",
        d.before_rows,
        d.after_rows,
        d.matched,
        d.changes.len(),
        d.unchanged
    );
    let svg = crate::report::plot::moves::moves_svg(d, after, features);
    figure(
        &mut o,
        "moves",
        "Before and after",
        &svg,
        "Grey: every entity after. Arrows: changed entities, from before (hollow) to after (filled); red when anomalous after.",
    );
    let _ = writeln!(o, "<section id=\"changes\"><h2>Changes, most significant first</h2>");
    if d.changes.is_empty() {
        let _ = writeln!(o, "<p>Nothing changed: every entity is where it was.</p>");
    } else {
        let _ = writeln!(
            o,
            "<table class=\"changes\"><thead><tr><th>#</th><th>id</th><th>moved</th><th>what changed</th></tr></thead><tbody>"
        );
        for (i, c) in d.changes.iter().take(MAX_LISTED).enumerate() {
            let _ = writeln!(
                o,
                "<tr class=\"change\"><td class=\"num\">{}</td><td>{}</td><td class=\"num\">{}</td><td>{}</td></tr>",
                i + 1,
                escape(&c.id),
                human(c.significance),
                escape(&c.summary())
            );
        }
        let _ = writeln!(o, "</tbody></table>");
        let more = d.changes.len().saturating_sub(MAX_LISTED);
        if more > 0 {
            let _ = writeln!(o, "<p>... and {more} more in the JSON (--json).</p>");
        }
    }
    o.push_str("</section>\n</body>\n</html>\n");
    o
}

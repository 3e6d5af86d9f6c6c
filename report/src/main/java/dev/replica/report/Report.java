package dev.replica.report;

import dev.replica.api.UserException;
import dev.replica.core.record.HistoryRow;
import dev.replica.core.record.RunContents;
import dev.replica.core.record.RunFolder;
import dev.replica.core.state.SafeFiles;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * A run's report, made from its folder alone (so {@code replica report RUN_DIR} can make it again):
 * the plots under {@code plots/} (PNG and SVG), {@code report.md} beside them, and {@code report.html},
 * one self-contained page with the table, the plots as {@code data:} URIs and a summary of the
 * manifest, that opens offline in a browser.
 */
public final class Report {

    private Report() {}

    /**
     * What was written.
     *
     * @param markdown {@code report.md}
     * @param html {@code report.html}
     * @param plots every PNG, in the report's order
     */
    public record Written(Path markdown, Path html, List<Path> plots) {}

    /** A titled group of plots. */
    private record Section(String title, List<Path> plots) {}

    /**
     * Draws the plots and writes both reports into the run folder, replacing earlier ones.
     *
     * @param folder the run folder
     * @return the files
     * @throws dev.replica.api.UserException when the folder is not a run folder
     * @throws IOException when writing fails
     */
    public static Written write(Path folder) throws IOException {
        RunContents run = RunContents.read(folder);
        try {
            return render(folder, run);
        } catch (IOException e) {
            throw new UserException(
                    "cannot write the report into " + folder + " (" + e + "); check that the folder is writable", e);
        }
    }

    private static Written render(Path folder, RunContents run) throws IOException {
        Map<String, Map<Long, List<HistoryRow>>> histories = run.histories();
        Path plots = SafeFiles.folderIn(folder, RunFolder.PLOTS);
        List<Section> sections = new ArrayList<>();
        ReportSection wanted = ReportSection.ofRun(run);
        DepthStudyReport depth =
                wanted == null || wanted.depthStudy() == null ? null : DepthStudyReport.of(run, wanted.depthStudy());
        if (depth != null) {
            sections.add(new Section(depth.title(), depth.plots(plots)));
        }
        if (histories.values().stream().anyMatch(h -> !h.isEmpty())) {
            sections.add(new Section("Validation, all models", Plots.comparison(histories, plots)));
        }
        for (Map.Entry<String, Map<Long, List<HistoryRow>>> h : histories.entrySet()) {
            if (!h.getValue().isEmpty()) {
                sections.add(new Section(h.getKey(), Plots.curves(h.getKey(), h.getValue(), plots)));
            }
        }
        // The cross-engine check's files, one per model folder: each drawn into plots/<model>-<kind>.png.
        addSection(
                sections,
                "Cross-engine divergence",
                run.divergenceFiles(),
                (csv, label) ->
                        List.of(Plots.divergence(folder.resolve(csv), plots.resolve(label + "-divergence.png"))));
        addSection(
                sections,
                "Cross-engine check, operator level: each step against the noise floor",
                run.files("noise-floor.csv"),
                (csv, label) -> List.of(Plots.overSteps(
                        folder.resolve(csv),
                        plots.resolve(label + "-noise-floor.png"),
                        "Engines' difference as a multiple of the noise floor: " + label,
                        "difference / noise floor (log scale)",
                        column -> column.endsWith("_ratio"),
                        Map.of())));
        addSection(
                sections,
                "Cross-engine check, outcome level: final results over seeds",
                run.files("outcomes.csv"),
                (csv, label) -> Plots.outcomes(folder.resolve(csv), plots, label + "-outcome"));
        List<Path> all = new ArrayList<>();
        sections.forEach(s -> all.addAll(s.plots()));
        Path md = folder.resolve(RunFolder.REPORT_MD);
        Path html = folder.resolve(RunFolder.REPORT);
        SafeFiles.writeAtomically(md, markdown(run, depth, sections));
        SafeFiles.writeAtomically(html, html(run, depth, sections));
        return new Written(md, html, all);
    }

    /** Draws one plot (or several) of a model's file. */
    @FunctionalInterface
    private interface Drawing {
        List<Path> draw(Path csv, String label) throws IOException;
    }

    /** Adds a section with the drawings of every file, labelled by the model folder they are in. */
    private static void addSection(List<Section> sections, String title, List<Path> files, Drawing drawing)
            throws IOException {
        List<Path> drawn = new ArrayList<>();
        for (Path csv : files) {
            drawn.addAll(drawing.draw(
                    csv,
                    csv.getParent() == null
                            ? "model"
                            : csv.getParent().toString().replace('/', '-')));
        }
        if (!drawn.isEmpty()) {
            sections.add(new Section(title, drawn));
        }
    }

    private static String markdown(RunContents run, DepthStudyReport depth, List<Section> sections) {
        StringBuilder sb = new StringBuilder();
        sb.append("# ").append(markdown(run.name())).append("\n\n");
        sb.append("Run folder `").append(run.folder().getFileName()).append("`.\n\n");
        String warning = ManifestSummary.notReproducibleWarning(run);
        if (warning != null) {
            sb.append("> **Warning.** ").append(warning).append("\n\n");
        }
        sb.append("## Results\n\n");
        String summary = run.text(RunFolder.SUMMARY_MD);
        sb.append(summary == null ? "The run has not finished: it has no summary.md yet.\n" : markdown(summary));
        if (run.severalSeeds()) {
            for (long seed : run.seeds()) {
                String table = run.text(RunFolder.seedFolder(seed) + "/" + RunFolder.SUMMARY_MD);
                if (table != null) {
                    sb.append("\n### Seed ").append(seed).append("\n\n").append(markdown(table));
                }
            }
        }
        if (depth != null) {
            sb.append("\n## ").append(markdown(depth.title())).append("\n\n").append(markdown(depth.markdown()));
        }
        sb.append("\n## Plots\n\nTraining dashed, validation solid; a dotted vertical line marks a learning-rate "
                + "step, labelled with the new rate.\n");
        for (Section s : sections) {
            sb.append("\n### ").append(s.title()).append("\n\n");
            for (Path p : s.plots()) {
                String name = p.getFileName().toString();
                sb.append("![")
                        .append(name)
                        .append("](")
                        .append(RunFolder.PLOTS)
                        .append('/')
                        .append(name)
                        .append(")\n");
            }
        }
        sb.append("\n## Manifest\n\n| | |\n|---|---|\n");
        for (Map.Entry<String, String> e : ManifestSummary.of(run).entrySet()) {
            sb.append("| ")
                    .append(markdown(e.getKey()).replace("\n", " "))
                    .append(" | ")
                    .append(markdown(e.getValue()).replace("\n", " ").replace("|", "\\|"))
                    .append(" |\n");
        }
        sb.append("\nThe full provenance is in `manifest.json`; the resolved experiment in `experiment.yaml`.\n");
        return sb.toString();
    }

    /**
     * Run-folder text as it goes into report.md: line ends kept, other control characters shown as
     * {@code \\uXXXX}, and {@code <} as an entity, so an edited file cannot add raw HTML to the page.
     */
    static String markdown(String text) {
        StringBuilder sb = new StringBuilder();
        for (String line : text.split("\n", -1)) {
            sb.append(SafeFiles.printable(line).replace("<", "&lt;")).append('\n');
        }
        return sb.substring(0, sb.length() - 1);
    }

    private static String html(RunContents run, DepthStudyReport depth, List<Section> sections) throws IOException {
        StringBuilder sb = new StringBuilder();
        sb.append("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
                .append("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
                .append("<title>")
                .append(escape(run.name()))
                .append(" — Replica run report</title>\n")
                .append("<style>\n")
                .append("body{font-family:'DejaVu Sans',Helvetica,Arial,sans-serif;margin:2em auto;max-width:1400px;")
                .append("padding:0 1em;color:#222}\n")
                .append("h1{margin-bottom:.2em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:1.6em}\n")
                .append("table{border-collapse:collapse;margin:1em 0}th,td{border:1px solid #ccc;padding:.35em .7em}\n")
                .append("th{background:#f3f3f3}td.num{text-align:right;font-variant-numeric:tabular-nums}\n")
                .append("table.manifest th{text-align:left;white-space:nowrap;vertical-align:top}\n")
                .append(".plots{display:grid;grid-template-columns:repeat(auto-fit,minmax(440px,1fr));gap:1em}\n")
                .append(".plots img{width:100%;height:auto;max-width:")
                .append(Plots.WIDTH)
                .append("px;border:1px solid #eee}\n")
                .append(".warning{background:#fff3cd;border:1px solid #e0b000;padding:.6em}\n")
                .append(".muted{color:#666}pre{background:#f7f7f7;padding:1em;overflow:auto;font-size:.85em}\n")
                .append("</style>\n</head>\n<body>\n");
        sb.append("<h1>").append(escape(run.name())).append("</h1>\n");
        sb.append("<p class=\"muted\">Run folder <code>")
                .append(escape(run.folder().getFileName().toString()))
                .append("</code></p>\n");
        String warning = ManifestSummary.notReproducibleWarning(run);
        if (warning != null) {
            sb.append("<p class=\"warning\" id=\"not-reproducible\"><strong>Warning.</strong> ")
                    .append(escape(warning))
                    .append("</p>\n");
        }
        sb.append("<h2>Results</h2>\n");
        String summary = run.text(RunFolder.SUMMARY_MD);
        if (summary == null) {
            sb.append("<p>The run has not finished: it has no summary.md yet.</p>\n");
        } else {
            // A check's summary holds a table per level, each after its line of text.
            String id = "results";
            for (String block : summary.split("\n\n")) {
                sb.append(markdownTable(block, id));
                id = block.trim().startsWith("|") ? null : id;
            }
        }
        if (run.severalSeeds()) {
            sb.append("<details><summary>Each seed's table</summary>\n");
            for (long seed : run.seeds()) {
                String table = run.text(RunFolder.seedFolder(seed) + "/" + RunFolder.SUMMARY_MD);
                if (table != null) {
                    sb.append("<h3>Seed ").append(seed).append("</h3>\n").append(markdownTable(table, null));
                }
            }
            sb.append("</details>\n");
        }
        if (depth != null) {
            sb.append("<h2>").append(escape(depth.title())).append("</h2>\n");
            String id = "depth-study";
            for (String block : depth.markdown().split("\n\n")) {
                sb.append(markdownTable(block, id));
                id = block.trim().startsWith("|") ? null : id;
            }
        }
        sb.append("<h2>Plots</h2>\n<p class=\"muted\">Training dashed, validation solid; a dotted vertical line "
                + "marks a learning-rate step, labelled with the new rate.</p>\n");
        for (Section s : sections) {
            sb.append("<h3>").append(escape(s.title())).append("</h3>\n<div class=\"plots\">\n");
            for (Path p : s.plots()) {
                String name = p.getFileName().toString();
                sb.append("<img alt=\"")
                        .append(escape(name))
                        .append("\" src=\"data:image/png;base64,")
                        .append(Base64.getEncoder().encodeToString(Files.readAllBytes(p)))
                        .append("\">\n");
            }
            sb.append("</div>\n");
        }
        sb.append("<h2>Manifest</h2>\n<table class=\"manifest\" id=\"manifest\">\n");
        for (Map.Entry<String, String> e : ManifestSummary.of(run).entrySet()) {
            // Long values (dataset provenance, plugins) read better one part a line.
            String value = escape(e.getValue()).replace("; ", ";<br>");
            sb.append("<tr><th>")
                    .append(escape(e.getKey()))
                    .append("</th><td>")
                    .append(value)
                    .append("</td></tr>\n");
        }
        sb.append("</table>\n");
        sb.append("<details><summary>manifest.json</summary><pre>")
                .append(escape(run.text(RunFolder.MANIFEST)))
                .append("</pre></details>\n");
        sb.append("<details><summary>experiment.yaml</summary><pre>")
                .append(escape(run.text(RunFolder.EXPERIMENT)))
                .append("</pre></details>\n");
        sb.append("</body>\n</html>\n");
        return sb.toString();
    }

    /**
     * Turns a summary's Markdown (a pipe table and lines of text) into HTML: the table with one body
     * row per model, each row carrying {@code data-model}, and the other lines as paragraphs.
     */
    static String markdownTable(String markdown, String id) {
        StringBuilder sb = new StringBuilder();
        List<String> head = null;
        StringBuilder body = new StringBuilder();
        StringBuilder after = new StringBuilder();
        StringBuilder before = new StringBuilder();
        for (String line : markdown.split("\n")) {
            String t = line.trim();
            if (t.startsWith("|")) {
                List<String> cells = cells(t);
                if (head == null) {
                    head = cells;
                } else if (!cells.stream().allMatch(c -> c.matches(":?-+:?"))) {
                    body.append("<tr data-model=\"")
                            .append(escape(cells.get(0)))
                            .append("\">");
                    for (int i = 0; i < cells.size(); i++) {
                        body.append(i == 0 ? "<td>" : "<td class=\"num\">")
                                .append(escape(cells.get(i)))
                                .append("</td>");
                    }
                    body.append("</tr>\n");
                }
            } else if (!t.isEmpty()) {
                (head == null ? before : after).append("<p>").append(escape(t)).append("</p>\n");
            }
        }
        sb.append(before);
        if (head != null) {
            sb.append("<table").append(id == null ? "" : " id=\"" + id + "\"").append(">\n<thead><tr>");
            for (String h : head) {
                sb.append("<th>").append(escape(h)).append("</th>");
            }
            sb.append("</tr></thead>\n<tbody>\n").append(body).append("</tbody>\n</table>\n");
        }
        sb.append(after);
        return sb.toString();
    }

    private static List<String> cells(String row) {
        String inner = row.substring(1, row.endsWith("|") ? row.length() - 1 : row.length());
        List<String> cells = new ArrayList<>();
        for (String c : inner.split("\\|", -1)) {
            cells.add(c.trim());
        }
        return cells;
    }

    static String escape(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder sb = new StringBuilder(text.length());
        for (char c : text.toCharArray()) {
            switch (c) {
                case '&' -> sb.append("&amp;");
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }
}

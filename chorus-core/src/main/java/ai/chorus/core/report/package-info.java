/**
 * {@code chorus report}: one self-contained HTML page of a run ({@code eval/report.html}).
 *
 * <p>{@link ai.chorus.core.report.ReportStep} reads the run directory (run.json, clusters/summary.json,
 * eval/results.json in the {@code chorus-eval-v2} format, and each job's train.jsonl and provenance.json),
 * draws the charts with XChart as inline SVG (text as glyph outlines, so no fonts or network are needed
 * to view it), escapes every piece of text from the run, and writes the page atomically. Parts that a
 * step has not produced yet are replaced by a note saying which command produces them.
 */
package ai.chorus.core.report;

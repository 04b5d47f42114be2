package ai.chorus.core.report;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.knowm.xchart.AnnotationLine;
import org.knowm.xchart.CategoryChart;
import org.knowm.xchart.CategorySeries;
import org.knowm.xchart.ChartEncoder;
import org.knowm.xchart.HeatMapChart;
import org.knowm.xchart.HeatMapChartBuilder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYSeries;
import org.knowm.xchart.internal.chartpart.Chart;
import org.knowm.xchart.style.AxesChartStyler;
import org.knowm.xchart.style.Styler;
import org.knowm.xchart.style.markers.SeriesMarkers;

/**
 * The report's charts, drawn by XChart in one house style and exported as inline SVG. Text is
 * drawn as glyph outlines by VectorGraphics2D, so a chart looks the same in every browser and no
 * label can inject markup.
 */
final class Charts {
    static {
        // The report never opens a window; without this a machine with a stale DISPLAY fails.
        if (System.getProperty("java.awt.headless") == null) {
            System.setProperty("java.awt.headless", "true");
        }
    }

    static final Color INK = new Color(0x22, 0x27, 0x2e);
    static final Color MUTED = new Color(0x6b, 0x72, 0x80);
    static final Color GRID = new Color(0xe5, 0xe7, 0xeb);
    /** Dense, ensemble, random split: the three the whole report compares, always in these colours. */
    static final Color DENSE = new Color(0x6b, 0x72, 0x80);
    static final Color ENSEMBLE = new Color(0x25, 0x63, 0xeb);
    static final Color RANDOM = new Color(0xf5, 0x9e, 0x0b);
    /** An ensemble whose router had document memory: not comparable with dense, drawn faint. */
    static final Color MEMORY = new Color(0x93, 0xc5, 0xfd);
    /** The best merged model, when eval scored any. */
    static final Color MERGED = new Color(0x05, 0x96, 0x69);
    static final Color TRAIN = new Color(0x25, 0x63, 0xeb);
    static final Color VALID = new Color(0xdc, 0x26, 0x26);

    private static final Font BASE = new Font(Font.SANS_SERIF, Font.PLAIN, 12);
    private static final Pattern CLIP_ID = Pattern.compile("clip(\\d+)");
    private static final Pattern SIZE_ATTR = Pattern.compile(" (width|height)=\"[^\"]*\"");
    /** Coordinates beyond 1/100 px only bloat the page (by about 30%). */
    private static final Pattern EXCESS_DIGITS = Pattern.compile("(\\d\\.\\d\\d)\\d+");

    private Charts() {}

    /** One grouped-bar series: a name, its colour and a value per category (NaN: no bar). */
    record Bars(String name, Color color, double[] values) {}

    /** Grouped bars, one group per category. */
    static CategoryChart groupedBars(String yTitle, List<String> categories, List<Bars> series, int width, int height) {
        CategoryChart chart = new CategoryChart(width, height);
        chart.setYAxisTitle(yTitle);
        style(chart.getStyler());
        chart.getStyler().setAvailableSpaceFill(0.8).setOverlapped(false);
        chart.getStyler().setLegendPosition(Styler.LegendPosition.OutsideS);
        chart.getStyler().setLegendLayout(Styler.LegendLayout.Horizontal);
        chart.getStyler().setLegendVisible(series.size() > 1); // one series: the axis title names it
        chart.getStyler().setPlotGridVerticalLinesVisible(false);
        int longest = categories.stream().mapToInt(String::length).max().orElse(0);
        if (categories.size() * Math.max(4, longest) > 90) {
            chart.getStyler().setXAxisLabelRotation(45);
        }
        chart.getStyler().setXAxisTickMarkSpacingHint(8); // every category keeps its label
        chart.getStyler().setLabelsVisible(categories.size() * series.size() <= 24);
        chart.getStyler().setLabelsFont(BASE.deriveFont(Font.BOLD, 10.5f)).setLabelsPosition(0.93);
        chart.getStyler().setLabelsFontColorAutomaticEnabled(true).setLabelsFontColorAutomaticLight(Color.WHITE)
                .setLabelsFontColorAutomaticDark(INK);
        chart.getStyler().setLabelsRotation(0);
        chart.getStyler().setDecimalPattern("#0.0");
        chart.getStyler().setYAxisDecimalPattern("#0");
        chart.getStyler().setYAxisMin(0.0);
        for (Bars bars : series) {
            List<Number> values = new ArrayList<>();
            for (double v : bars.values()) {
                values.add(Double.isFinite(v) ? v : 0.0);
            }
            CategorySeries s = chart.addSeries(bars.name(), categories, values);
            s.setFillColor(bars.color());
            s.setLineColor(bars.color());
        }
        return chart;
    }

    /**
     * A heatmap of row-normalised counts: rows top to bottom as given, the share of each row in
     * percent printed in every cell.
     */
    static HeatMapChart heatmap(List<String> rows, List<String> columns, double[][] shares, String xTitle,
                                String yTitle, int width, int height) {
        // The builder, not the bare constructor: only it completes the styler (the other paints nothing usable).
        HeatMapChart chart = new HeatMapChartBuilder().width(width).height(height).build();
        chart.setXAxisTitle(xTitle);
        chart.setYAxisTitle(yTitle);
        style(chart.getStyler());
        chart.getStyler().setPlotGridLinesVisible(false);
        // Every cell prints its share, so the colour legend would only repeat it.
        chart.getStyler().setLegendVisible(false);
        chart.getStyler().setShowValue(true).setValueFont(BASE.deriveFont(Font.BOLD, 11f)).setValueFontColor(INK);
        chart.getStyler().setHeatMapValueDecimalPattern("0'%'");
        chart.getStyler().setYAxisTickMarkSpacingHint(16);
        chart.getStyler().setXAxisTickMarkSpacingHint(16);
        chart.getStyler().setRangeColors(new Color[] {new Color(0xf8, 0xfa, 0xfc), new Color(0x93, 0xc5, 0xfd),
            new Color(0x1d, 0x4e, 0xd8)});
        chart.getStyler().setMin(0).setMax(100);
        chart.getStyler().setDrawBorder(true);
        // XChart draws the first y category at the bottom; reverse so row 0 is on top, as in a table.
        List<String> yData = new ArrayList<>(rows);
        Collections.reverse(yData);
        List<Number[]> cells = new ArrayList<>();
        for (int r = 0; r < rows.size(); r++) {
            for (int c = 0; c < columns.size(); c++) {
                cells.add(new Number[] {c, rows.size() - 1 - r, 100 * shares[r][c]});
            }
        }
        chart.addSeries("share of row (%)", columns, yData, cells);
        return chart;
    }

    /** One row of a forest plot: its label, colour, point estimate and interval. */
    record Estimate(String name, Color color, double point, double low, double high) {}

    /**
     * A forest plot: one row per estimate, top to bottom as given, its interval as a bar and its point as a
     * dot, with a dashed line at 0 (no change). A row is to the left of the line exactly when its whole
     * interval is.
     */
    static XYChart forest(String xTitle, List<Estimate> rows, int width, int height) {
        XYChart chart = new XYChart(width, height);
        chart.setXAxisTitle(xTitle);
        style(chart.getStyler());
        chart.getStyler().setLegendVisible(false);
        chart.getStyler().setPlotGridHorizontalLinesVisible(false);
        chart.getStyler().setMarkerSize(9);
        int n = rows.size();
        double lo = 0;
        double hi = 0;
        for (Estimate e : rows) {
            lo = Math.min(lo, e.low());
            hi = Math.max(hi, e.high());
        }
        double pad = Math.max(1, 0.06 * (hi - lo));
        chart.getStyler().setXAxisMin(lo - pad).setXAxisMax(hi + pad);
        // Row i sits at y = n − i, so the first row is on top. The rows are the only y values of the data: XChart
        // then puts a tick on each (equally spaced values), and the formatter names it. The axis ends get two
        // different blank labels: XChart draws no ticks at all when the labels of both ends read the same.
        chart.getStyler().setYAxisMin(0.4).setYAxisMax(n + 0.6);
        chart.getStyler().setYAxisTickMarkSpacingHint(16); // rows 30 px apart each keep their label
        chart.setCustomYAxisTickLabelsFormatter(y -> {
            long r = Math.round(y);
            if (y < 1 || y > n) {
                return y < 1 ? " " : "  ";
            }
            return Math.abs(y - r) < 1e-6 ? rows.get((int) (n - r)).name() : "";
        });
        chart.setCustomXAxisTickLabelsFormatter(x -> String.format(Locale.ROOT, "%+.0f%%", x).replace('-', '\u2212'));
        // No change: an annotation, not a series, so its ends add no y values to the axis.
        chart.getStyler().setAnnotationLineColor(MUTED).setAnnotationLineStroke(new BasicStroke(1.2f,
                BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 10f, new float[] {5f, 4f}, 0f));
        chart.addAnnotation(new AnnotationLine(0, true, false));
        for (int i = 0; i < n; i++) {
            Estimate e = rows.get(i);
            double y = n - i;
            XYSeries bar = chart.addSeries("ci " + i, new double[] {e.low(), e.high()}, new double[] {y, y});
            bar.setLineColor(e.color());
            bar.setLineStyle(new BasicStroke(3f)); // solid: the theme would cycle dashes through the series
            bar.setMarker(SeriesMarkers.NONE);
            XYSeries point = chart.addSeries("point " + i, new double[] {e.point()}, new double[] {y});
            point.setXYSeriesRenderStyle(XYSeries.XYSeriesRenderStyle.Scatter);
            point.setMarker(SeriesMarkers.CIRCLE);
            point.setMarkerColor(e.color());
        }
        return chart;
    }

    /** A training curve: the smoothed loss over the faint raw loss, and validation loss as points. */
    static XYChart trainingCurve(TrainCurve curve, double yMin, double yMax, int width, int height) {
        XYChart chart = new XYChart(width, height);
        chart.setXAxisTitle("tokens");
        chart.setYAxisTitle("loss (nats)");
        style(chart.getStyler());
        chart.getStyler().setLegendPosition(Styler.LegendPosition.InsideNE);
        chart.getStyler().setMarkerSize(5);
        chart.getStyler().setYAxisMin(yMin).setYAxisMax(yMax);
        // XChart derives odd tick steps (113k, 225k, …) from the data; a round axis end gives round ticks.
        chart.getStyler().setXAxisMin(0.0);
        if (curve.size() > 0) {
            chart.getStyler().setXAxisMax(roundUp(curve.tokens()[curve.size() - 1]));
        }
        chart.getStyler().setXAxisTickLabelsFormattingFunction(Html::tokens);
        chart.getStyler().setYAxisDecimalPattern("0.0");
        if (curve.size() > 0) {
            XYSeries raw = chart.addSeries("train (raw)", curve.tokens(), curve.loss());
            raw.setLineColor(new Color(0x93, 0xc5, 0xfd));
            raw.setLineWidth(0.8f);
            raw.setMarker(SeriesMarkers.NONE);
            raw.setShowInLegend(false);
            XYSeries smooth = chart.addSeries("train", curve.tokens(), curve.smoothedLoss());
            smooth.setLineColor(TRAIN);
            smooth.setLineWidth(2f);
            smooth.setMarker(SeriesMarkers.NONE);
        }
        if (curve.validTokens().length > 0) {
            XYSeries valid = chart.addSeries("validation", curve.validTokens(), curve.validLoss());
            valid.setLineColor(VALID);
            valid.setMarkerColor(VALID);
            valid.setMarker(SeriesMarkers.CIRCLE);
            valid.setLineWidth(1.2f);
        }
        return chart;
    }

    /** The smallest of 1, 1.5, 2, 2.5, 3, 4, 5, 6, 8 × 10^n that is at least {@code x} (x > 0): round, and tight. */
    static double roundUp(double x) {
        if (!(x > 0)) {
            return 1;
        }
        double decade = Math.pow(10, Math.floor(Math.log10(x)));
        for (double step : new double[] {1, 1.5, 2, 2.5, 3, 4, 5, 6, 8, 10}) {
            if (step * decade >= x * (1 - 1e-12)) {
                return step * decade;
            }
        }
        return 10 * decade;
    }

    private static void style(AxesChartStyler s) {
        s.setLocale(Locale.ROOT);
        s.setBaseFont(BASE);
        s.setChartBackgroundColor(Color.WHITE);
        s.setPlotBackgroundColor(Color.WHITE);
        s.setPlotBorderVisible(false);
        s.setChartFontColor(INK);
        s.setChartTitleVisible(false);
        s.setChartPadding(8);
        s.setPlotMargin(4);
        s.setLegendBorderColor(Color.WHITE);
        s.setLegendBackgroundColor(new Color(255, 255, 255, 230));
        s.setLegendFont(BASE.deriveFont(11f));
        s.setAxisTitleFont(BASE.deriveFont(11f));
        s.setAxisTickLabelsFont(BASE.deriveFont(10.5f));
        s.setAxisTickLabelsColor(MUTED);
        s.setAxisTickMarksColor(GRID);
        s.setAxisTicksLineVisible(false);
        s.setPlotGridLinesColor(GRID);
        s.setPlotGridLinesStroke(new BasicStroke(1f));
        s.setXAxisTitleColor(MUTED);
        s.setYAxisTitleColor(MUTED);
        s.setAntiAlias(true);
    }

    /**
     * The chart as an {@code <svg>} element ready to inline: no XML prolog, no fixed size (the page
     * sizes it through the viewBox), clip ids made unique per page with {@code idPrefix}.
     */
    static String inlineSvg(Chart<?, ?> chart, String idPrefix, String description) {
        String svg;
        try {
            svg = new String(ChartEncoder.getBytes(chart, "svg"), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new IllegalStateException("encoding a chart as SVG in memory failed", e);
        }
        int start = svg.indexOf("<svg");
        int tagEnd = svg.indexOf('>', start);
        if (start < 0 || tagEnd < 0) {
            throw new IllegalStateException("VectorGraphics2D wrote no <svg> element");
        }
        String rootTag = SIZE_ATTR.matcher(svg.substring(start, tagEnd)).replaceAll("")
                + " class=\"plot\" role=\"img\" aria-label=\"" + Html.escape(description) + "\"";
        String body = EXCESS_DIGITS.matcher(svg.substring(tagEnd).strip()).replaceAll("$1");
        return rootTag + CLIP_ID.matcher(body).replaceAll(Matcher.quoteReplacement(idPrefix) + "-clip$1");
    }
}

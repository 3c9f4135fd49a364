package dev.pacer.bench;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Font;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.jfree.chart.ChartUtils;
import org.jfree.chart.JFreeChart;
import org.jfree.chart.axis.NumberAxis;
import org.jfree.chart.plot.CombinedDomainXYPlot;
import org.jfree.chart.plot.ValueMarker;
import org.jfree.chart.plot.XYPlot;
import org.jfree.chart.renderer.xy.XYLineAndShapeRenderer;
import org.jfree.chart.title.TextTitle;
import org.jfree.chart.ui.RectangleAnchor;
import org.jfree.chart.ui.TextAnchor;
import org.jfree.data.xy.XYSeries;
import org.jfree.data.xy.XYSeriesCollection;

/**
 * One PNG per scenario: for each dimension of the primary model's pool, the admitted amount per
 * minute (over the trailing 60 simulated seconds, as the simulator counted it) against the limit,
 * one line per strategy.
 *
 * <p>A trailing-minute sum is not capped by the limit: a window that opens on a full bucket can
 * hold the bucketful plus a minute of refill, {@code capacity + limit} (2x the limit at the
 * simulator's default burst ratio of 1), without any over-admission. The chart draws that line
 * too, so a reader does not take a conforming peak for a broken limit; the simulator's
 * over-admission figure is the proof either way.
 */
final class Charts {

    private static final Color[] COLORS = {new Color(0x8c8c8c), new Color(0xe69f00), new Color(0x56b4e9), new Color(0xcc79a7),
        new Color(0x009e73), new Color(0x0044aa)};

    /** Bucket capacity as a share of the per-minute limit: the simulator's default, which the scenarios use. */
    private static final double BURST_RATIO = 1.0;

    private Charts() {
    }

    static void write(Path png, Scenario scenario, Map<String, List<Lane.Sample>> samples) throws IOException {
        CombinedDomainXYPlot plot = new CombinedDomainXYPlot(new NumberAxis("simulated seconds"));
        plot.setGap(12);
        String[] titles = {"requests / min", "input tokens / min", "output tokens / min"};
        long[] limits = {Scenario.RPM, Scenario.ITPM, Scenario.OTPM};
        for (int d = 0; d < 3; d++) {
            XYSeriesCollection data = new XYSeriesCollection();
            for (Map.Entry<String, List<Lane.Sample>> e : samples.entrySet()) {
                data.addSeries(rate(e.getKey(), e.getValue(), d));
            }
            XYLineAndShapeRenderer renderer = new XYLineAndShapeRenderer(true, false);
            for (int s = 0; s < data.getSeriesCount(); s++) {
                renderer.setSeriesPaint(s, COLORS[s % COLORS.length]);
                boolean pacer = data.getSeriesKey(s).toString().startsWith("pacer");
                renderer.setSeriesStroke(s, new BasicStroke(pacer ? 2.2f : 1.3f));
                renderer.setSeriesVisibleInLegend(s, d == 0);
            }
            NumberAxis axis = new NumberAxis(titles[d]);
            axis.setUpperBound(limits[d] * (1 + BURST_RATIO) * 1.1);
            axis.setAutoRange(false);
            XYPlot sub = new XYPlot(data, null, axis, renderer);
            sub.addRangeMarker(marker(limits[d], Color.RED, "limit " + limits[d] + " / min"));
            sub.addRangeMarker(marker(limits[d] * (1 + BURST_RATIO), Color.GRAY,
                    "limit + bucket: the most a conforming client can show in a 60 s window"));
            sub.setBackgroundPaint(Color.WHITE);
            sub.setRangeGridlinePaint(new Color(0xdddddd));
            sub.setDomainGridlinePaint(new Color(0xdddddd));
            plot.add(sub, 1);
        }
        JFreeChart chart = new JFreeChart(scenario.name() + " — admitted per minute vs Tier-1 limit (" + Scenario.PRIMARY + ")",
                new Font(Font.SANS_SERIF, Font.BOLD, 14), plot, true);
        chart.addSubtitle(new TextTitle("amount the simulator admitted in the trailing 60 simulated seconds, sampled every 2 s; "
                + "before the first minute, the amount so far", new Font(Font.SANS_SERIF, Font.PLAIN, 11)));
        chart.setBackgroundPaint(Color.WHITE);
        ChartUtils.saveChartAsPNG(png.toFile(), chart, 1100, 900);
    }

    private static ValueMarker marker(double value, Color color, String label) {
        ValueMarker m = new ValueMarker(value, color, new BasicStroke(1.5f, BasicStroke.CAP_BUTT, BasicStroke.JOIN_MITER, 1,
                new float[] {6, 4}, 0));
        m.setLabel(label);
        m.setLabelFont(new Font(Font.SANS_SERIF, Font.PLAIN, 10));
        m.setLabelPaint(color.darker());
        m.setLabelAnchor(RectangleAnchor.TOP_RIGHT);
        m.setLabelTextAnchor(TextAnchor.BOTTOM_RIGHT);
        return m;
    }

    /** The amount admitted in the trailing 60 s at each sample, for dimension {@code d}. */
    private static XYSeries rate(String name, List<Lane.Sample> samples, int d) {
        XYSeries series = new XYSeries(name, true, true);
        int from = 0;
        for (int i = 0; i < samples.size(); i++) {
            Lane.Sample s = samples.get(i);
            while (from < i && samples.get(from + 1).t() <= s.t() - 60) {
                from++;
            }
            Lane.Sample base = samples.get(from);
            double span = s.t() - base.t();
            if (span <= 0) {
                continue;
            }
            double amount = value(s, d) - value(base, d);
            // before a full minute has passed, the amount so far (the bucket's first fill shows as a spike)
            series.addOrUpdate(s.t(), span >= 59 ? amount * 60 / span : amount);
        }
        return series;
    }

    private static double value(Lane.Sample s, int d) {
        return switch (d) {
            case 0 -> s.requests();
            case 1 -> s.input();
            default -> s.output();
        };
    }
}

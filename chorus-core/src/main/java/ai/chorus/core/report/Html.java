package ai.chorus.core.report;

import java.math.BigDecimal;
import java.math.MathContext;
import java.util.Locale;

/** The few text helpers the report page needs: escaping and number formats fixed to one locale. */
final class Html {
    private Html() {}

    /** Escapes text for element content and double-quoted attributes, so labels and terms can never become markup. */
    static String escape(String text) {
        if (text == null) {
            return "";
        }
        StringBuilder out = new StringBuilder(text.length() + 16);
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case '&' -> out.append("&amp;");
                case '<' -> out.append("&lt;");
                case '>' -> out.append("&gt;");
                case '"' -> out.append("&quot;");
                case '\'' -> out.append("&#39;");
                default -> out.append(c);
            }
        }
        return out.toString();
    }

    /** A perplexity or loss: 3 significant figures at least, never scientific notation. */
    static String number(double value) {
        if (!Double.isFinite(value)) {
            return "–";
        }
        double abs = Math.abs(value);
        String pattern = abs >= 100 ? "%.1f" : abs >= 10 ? "%.2f" : "%.3f";
        return String.format(Locale.ROOT, pattern, value);
    }

    /** Integers with thin grouping: 1 234 567. */
    static String count(long value) {
        return String.format(Locale.ROOT, "%,d", value).replace(",", "\u202f");
    }

    /** A signed relative change in percent, with a true minus sign: "−22.3%". */
    static String percentChange(double ratio) {
        double pct = 100 * (ratio - 1);
        String s = String.format(Locale.ROOT, "%+.1f%%", pct);
        return s.replace('-', '\u2212');
    }

    /** An interval of percent change with true minus signs: "[−25.1, −19.0]". */
    static String percentInterval(double low, double high) {
        return String.format(Locale.ROOT, "[%+.1f, %+.1f]", low, high).replace('-', '\u2212');
    }

    static String percent(double share) {
        return String.format(Locale.ROOT, "%.1f%%", 100 * share);
    }

    /** FLOPs with an SI prefix: "9.04 TFLOP". */
    static String flops(double flops) {
        String[] prefixes = {"", "k", "M", "G", "T", "P", "E"};
        int p = 0;
        double v = flops;
        while (Math.abs(v) >= 1000 && p < prefixes.length - 1) {
            v /= 1000;
            p++;
        }
        return String.format(Locale.ROOT, "%.3g %sFLOP", v, prefixes[p]);
    }

    /** A token count with an SI suffix and at most 3 significant figures: "1M", "2.5M", "999k". */
    static String tokens(double tokens) {
        double abs = Math.abs(tokens);
        double scale = abs >= 1e9 ? 1e9 : abs >= 1e6 ? 1e6 : abs >= 1e3 ? 1e3 : 1;
        String suffix = scale == 1e9 ? "G" : scale == 1e6 ? "M" : scale == 1e3 ? "k" : "";
        String digits = new BigDecimal(tokens / scale).round(new MathContext(3))
                .stripTrailingZeros().toPlainString();
        return digits + suffix;
    }
}

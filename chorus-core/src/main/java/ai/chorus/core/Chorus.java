package ai.chorus.core;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** Facts about this build of Chorus. */
public final class Chorus {
    public static final String VERSION = readVersion();
    private static volatile String gitCommit;

    private Chorus() {}

    /**
     * The commit of the checkout this build came from ("unknown" outside a git checkout), found by
     * asking git in the directory that holds the running jar or classes.
     */
    public static String gitCommit() {
        String c = gitCommit;
        if (c == null) {
            c = "unknown";
            try {
                java.nio.file.Path here = java.nio.file.Path.of(
                        Chorus.class.getProtectionDomain().getCodeSource().getLocation().toURI());
                java.nio.file.Path dir = java.nio.file.Files.isDirectory(here) ? here : here.getParent();
                Process p = new ProcessBuilder("git", "-C", dir.toString(), "rev-parse", "HEAD")
                        .redirectErrorStream(true).start();
                String out = new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8)
                        .trim();
                if (p.waitFor() == 0 && out.matches("[0-9a-f]{40}")) {
                    c = out;
                }
            } catch (Exception e) {
                // No git, no checkout, or an unusual class loader: provenance says "unknown".
            }
            gitCommit = c;
        }
        return c;
    }

    private static String readVersion() {
        try (InputStream in = Chorus.class.getResourceAsStream("version.properties")) {
            Properties p = new Properties();
            if (in != null) {
                p.load(in);
            }
            return p.getProperty("version", "unknown");
        } catch (IOException e) {
            return "unknown";
        }
    }
}

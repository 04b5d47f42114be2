package ai.chorus.core;

import java.io.IOException;
import java.io.InputStream;
import java.util.Properties;

/** Facts about this build of Chorus. */
public final class Chorus {
    public static final String VERSION = readVersion();

    private Chorus() {}

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

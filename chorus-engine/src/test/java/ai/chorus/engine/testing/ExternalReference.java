package ai.chorus.engine.testing;

import org.junit.jupiter.api.Assertions;
import org.junit.jupiter.api.Assumptions;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;

/**
 * The independent references some tests compare against — programs outside the JVM: PyTorch, Chromium,
 * Node with the official openai client — and what a test does when one is missing. Outside CI it is
 * skipped, saying what is missing and how to install it; under {@code CI=true} it fails with that one line,
 * so a CI run cannot go green with every reference skipped.
 *
 * <p>Where each program is looked for can be overridden by the system property {@code chorus.test.NAME} or
 * the environment variable {@code CHORUS_TEST_NAME} (NAME: python, chromium, node), e.g.
 * {@code CI=true CHORUS_TEST_CHROMIUM=/nowhere mvn -pl chorus-core -am test -Dtest=ReportInChromiumTest}
 * shows what a CI machine without Chromium does. Shared by the modules' tests through chorus-engine's
 * test-jar.
 */
public final class ExternalReference {
    /** What the failure or skip tells the reader to do. */
    public static final String INSTALL = "run tools/install-test-deps.sh";

    private ExternalReference() {}

    /** The python that must import torch (Debian's python3-torch). */
    public static String python() {
        return program("python", "/usr/bin/python3");
    }

    /** The headless Chromium that renders the report (Debian's chromium). */
    public static String chromium() {
        return program("chromium", "/usr/bin/chromium");
    }

    /** The node that runs the official openai client (on the PATH by default). */
    public static String node() {
        return program("node", "node");
    }

    /** True when the environment says this is a CI run ({@code CI=true}, as CI services set it). */
    public static boolean ci() {
        return "true".equalsIgnoreCase(System.getenv("CI"));
    }

    /**
     * Returns when the reference is {@code present}; otherwise skips the calling test (outside CI) or fails
     * it (CI=true) with the one line "{@code missing}: run tools/install-test-deps.sh".
     *
     * @param missing what is missing, e.g. "no /usr/bin/chromium"
     */
    public static void require(boolean present, String missing) {
        require(present, missing, ci());
    }

    static void require(boolean present, String missing, boolean ci) {
        if (present) {
            return;
        }
        if (ci) {
            Assertions.fail("CI=true and " + missing + ": " + INSTALL);
        }
        Assumptions.abort(missing + ": " + INSTALL + " (skipped; under CI=true this fails)");
    }

    static String program(String name, String fallback) {
        String property = System.getProperty("chorus.test." + name);
        if (property != null && !property.isBlank()) {
            return property;
        }
        String env = System.getenv("CHORUS_TEST_" + name.toUpperCase(Locale.ROOT));
        return env != null && !env.isBlank() ? env : fallback;
    }

    /** Whether {@code program} names an executable file (a path) — for programs given as paths. */
    public static boolean executable(String program) {
        Path p = Path.of(program);
        return Files.isRegularFile(p) && Files.isExecutable(p);
    }
}

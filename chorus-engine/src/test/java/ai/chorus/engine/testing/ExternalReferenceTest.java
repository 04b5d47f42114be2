package ai.chorus.engine.testing;

import org.junit.jupiter.api.Test;
import org.opentest4j.AssertionFailedError;
import org.opentest4j.TestAbortedException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/** A missing reference skips a test outside CI and fails it, in one line, under CI=true. */
class ExternalReferenceTest {

    @Test
    void aMissingReferenceFailsUnderCiAndSkipsOtherwise() {
        assertThatThrownBy(() -> ExternalReference.require(false, "no /nowhere/chromium", true))
                .isInstanceOf(AssertionFailedError.class)
                .hasMessage("CI=true and no /nowhere/chromium: run tools/install-test-deps.sh");
        assertThatThrownBy(() -> ExternalReference.require(false, "no /nowhere/chromium", false))
                .isInstanceOf(TestAbortedException.class)
                .hasMessageContaining("no /nowhere/chromium: run tools/install-test-deps.sh");
        assertThatCode(() -> ExternalReference.require(true, "anything", true)).doesNotThrowAnyException();
        assertThatCode(() -> ExternalReference.require(true, "anything", false)).doesNotThrowAnyException();
    }

    @Test
    void aSystemPropertyOverridesWhereAProgramIsLookedFor() {
        String key = "chorus.test.chromium";
        String before = System.getProperty(key);
        try {
            System.setProperty(key, "/nowhere/chromium");
            assertThat(ExternalReference.chromium()).isEqualTo("/nowhere/chromium");
            assertThat(ExternalReference.executable(ExternalReference.chromium()))
                    .isFalse();
        } finally {
            if (before == null) {
                System.clearProperty(key);
            } else {
                System.setProperty(key, before);
            }
        }
        assertThat(ExternalReference.program("nothing-set-here", "/usr/bin/x"))
                .isEqualTo("/usr/bin/x");
    }
}

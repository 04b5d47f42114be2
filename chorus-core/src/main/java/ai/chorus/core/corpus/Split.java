package ai.chorus.core.corpus;

import java.util.Locale;

/** The three disjoint parts of a corpus. The numeric code is what the document index stores. */
public enum Split {
    TRAIN, VALID, TEST;

    public String key() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Split ofCode(int code) {
        return values()[code];
    }
}

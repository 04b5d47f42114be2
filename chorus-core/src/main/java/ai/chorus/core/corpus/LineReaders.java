package ai.chorus.core.corpus;

import ai.chorus.engine.InvalidInputException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Spliterator;
import java.util.Spliterators;
import java.util.function.BiFunction;
import java.util.stream.Stream;
import java.util.stream.StreamSupport;
import java.util.zip.GZIPInputStream;
import java.util.zip.ZipException;

/** Streams the lines of a (possibly gzipped) UTF-8 input, turning I/O failures into one clear message. */
final class LineReaders {
    private LineReaders() {}

    interface InputOpener {
        InputStream open() throws IOException;
    }

    /**
     * Streams {@code mapper(line, lineNumber)} for every line; a null result is skipped.
     * The input is opened lazily and closed with the stream.
     */
    static <T> Stream<T> lines(String name, boolean gzip, InputOpener opener,
                               BiFunction<String, Long, T> mapper) {
        BufferedReader reader;
        try {
            InputStream in = opener.open();
            if (gzip) {
                in = new GZIPInputStream(in, 1 << 16);
            }
            CharsetDecoder utf8 = StandardCharsets.UTF_8.newDecoder()
                    .onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT);
            reader = new BufferedReader(new InputStreamReader(in, utf8), 1 << 16);
        } catch (ZipException e) {
            throw new InvalidInputException(name + " is not a readable gzip file (" + e.getMessage()
                    + "); check the file or drop the .gz suffix if it is plain text");
        } catch (IOException e) {
            throw new InvalidInputException("cannot read " + name + ": " + e.getMessage());
        }
        Iterator<T> it = new Iterator<>() {
            long lineNo;
            T next;
            boolean done;

            @Override
            public boolean hasNext() {
                while (next == null && !done) {
                    String line;
                    try {
                        line = reader.readLine();
                    } catch (java.nio.charset.CharacterCodingException e) {
                        throw new InvalidInputException(name + ":" + (lineNo + 1) + " is not valid UTF-8");
                    } catch (ZipException | java.io.EOFException e) {
                        throw new InvalidInputException(name + " is a corrupt or truncated gzip file near line "
                                + (lineNo + 1) + " (" + e.getMessage() + ")");
                    } catch (IOException e) {
                        throw new InvalidInputException("cannot read " + name + " near line " + (lineNo + 1)
                                + ": " + e.getMessage());
                    }
                    if (line == null) {
                        done = true;
                    } else {
                        next = mapper.apply(line, ++lineNo);
                    }
                }
                return next != null;
            }

            @Override
            public T next() {
                if (!hasNext()) {
                    throw new NoSuchElementException();
                }
                T t = next;
                next = null;
                return t;
            }
        };
        return StreamSupport.stream(Spliterators.spliteratorUnknownSize(it, Spliterator.ORDERED), false)
                .onClose(() -> {
                    try {
                        reader.close();
                    } catch (IOException e) {
                        throw new UncheckedIOException(e);
                    }
                });
    }
}

package ai.chorus.engine;

/**
 * A problem the user can fix: a wrong path, a corrupt file, a bad flag value, a malformed request.
 *
 * <p>Every module throws this (or a subclass) for user-caused errors. The message is one line that
 * names the file, flag or field and says what to do; the CLI prints it and exits with code 2, the
 * server answers 4xx. Anything else that escapes is a bug in Chorus.
 */
public class InvalidInputException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    public InvalidInputException(String message) {
        super(message);
    }

    public InvalidInputException(String message, Throwable cause) {
        super(message, cause);
    }
}

package dev.jgunicorn.settings.python;

/** A Python exception raised by an operation; the statement that ran it adds file and line. */
final class PyError extends RuntimeException {
    private static final long serialVersionUID = 1L;

    PyError(String message) {
        super(message, null, false, false);
    }
}

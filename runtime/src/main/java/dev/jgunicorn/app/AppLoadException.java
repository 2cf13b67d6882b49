package dev.jgunicorn.app;

/** The APP could not be loaded; the message says which part was not found. Gunicorn exits with code 4 for this. */
public class AppLoadException extends RuntimeException {
    public AppLoadException(String message) {
        super(message);
    }

    public AppLoadException(String message, Throwable cause) {
        super(message, cause);
    }
}

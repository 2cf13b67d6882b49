package dev.jgunicorn.settings;

/** A {@code gunicorn.conf.py} that cannot be read: names the file, the 1-based line and the reason in plain words. */
public class ConfigFileException extends Exception {
    private static final long serialVersionUID = 1L;

    private final String file;
    private final int line;
    private final String reason;

    public ConfigFileException(String file, int line, String reason) {
        super(file + ":" + line + ": " + reason);
        this.file = file;
        this.line = line;
        this.reason = reason;
    }

    /** A problem with the file as a whole (it cannot be read): line 0. */
    public ConfigFileException(String file, String reason) {
        super(file + ": " + reason);
        this.file = file;
        this.line = 0;
        this.reason = reason;
    }

    /** The file as it was named when read, e.g. {@code gunicorn.conf.py}. */
    public String file() {
        return file;
    }

    /** The 1-based line of the problem; 0 when the file as a whole is at fault. */
    public int line() {
        return line;
    }

    /** What is wrong, without file and line. */
    public String reason() {
        return reason;
    }
}

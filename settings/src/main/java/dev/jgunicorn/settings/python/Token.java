package dev.jgunicorn.settings.python;

/** A token; for a STRING, text is the lower-cased prefix ("", "r", "f", "rf") and value the decoded text. */
record Token(Kind kind, String text, Object value, int line, boolean indented) {
    enum Kind { NAME, NUMBER, STRING, OP, NEWLINE, EOF }

    boolean is(String s) {
        return (kind == Kind.OP || kind == Kind.NAME) && text.equals(s);
    }

    String describe() {
        return switch (kind) {
            case NEWLINE -> "end of line";
            case EOF -> "end of file";
            case STRING -> "string literal";
            default -> "'" + text + "'";
        };
    }
}

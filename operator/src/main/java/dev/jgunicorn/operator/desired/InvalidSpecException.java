package dev.jgunicorn.operator.desired;

import java.util.List;

/** The spec cannot be turned into objects; each problem names the field and what is allowed. */
public final class InvalidSpecException extends Exception {
    private static final long serialVersionUID = 1L;
    private final transient List<String> problems;

    public InvalidSpecException(List<String> problems) {
        super(String.join("; ", problems));
        this.problems = List.copyOf(problems);
    }

    public List<String> problems() {
        return problems;
    }
}

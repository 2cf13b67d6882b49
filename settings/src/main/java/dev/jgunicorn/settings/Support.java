package dev.jgunicorn.settings;

/** How jgunicorn treats a Gunicorn setting. Refused settings fail at start when set to a non-default value. */
public enum Support {
    /** Honoured with Gunicorn's meaning. */
    SUPPORTED,
    /** Has no meaning on the JVM; the refusal says why and what to use instead. */
    REFUSED
}

package dev.jgunicorn.settings;

/**
 * jgunicorn's version, one for the runtime, the operator and their command lines: the jar manifest's
 * Implementation-Version (set by Maven), or "dev" when running from class directories.
 */
public final class Version {
    private Version() {
    }

    public static String get() {
        String v = Version.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}

package dev.jgunicorn.cli;

/** The version from the jar manifest (set by Maven), or "dev" when running from classes. */
final class Version {
    private Version() {
    }

    static String get() {
        String v = Main.class.getPackage().getImplementationVersion();
        return v == null ? "dev" : v;
    }
}

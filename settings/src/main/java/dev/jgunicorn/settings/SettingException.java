package dev.jgunicorn.settings;

/** A value that a setting does not accept, or a setting that cannot apply here. The message names the setting. */
public class SettingException extends RuntimeException {
    private final String setting;

    public SettingException(String setting, String message) {
        super(message);
        this.setting = setting;
    }

    /** The setting's name, e.g. {@code workers}. */
    public String setting() {
        return setting;
    }
}

package dev.jgunicorn.hooks;

import dev.jgunicorn.app.AppLoader;
import dev.jgunicorn.settings.Config;
import dev.jgunicorn.settings.SettingException;
import dev.jgunicorn.settings.Settings;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.reflect.InvocationTargetException;
import java.util.function.Consumer;

/** The configured {@link ServerHooks}, called so that a failing hook is logged and never takes the server down. */
public final class Hooks {
    private static final Logger log = LoggerFactory.getLogger("gunicorn.error");
    private static final Hooks NONE = new Hooks(new ServerHooks() { });

    private final ServerHooks hooks;

    private Hooks(ServerHooks hooks) {
        this.hooks = hooks;
    }

    /** The hooks named by the {@code hooks} setting, or hooks that do nothing; a bad name stops the start. */
    public static Hooks load(Config config) {
        String name = config.get(Settings.HOOKS);
        if (name == null || name.isBlank()) return NONE;
        ClassLoader loader = AppLoader.classLoader(config.get(Settings.CLASSPATH), config.baseDir());
        Class<?> type;
        try {
            type = Class.forName(name.strip(), true, loader);
        } catch (ClassNotFoundException | LinkageError e) {
            throw new SettingException("hooks", "class " + name + " was not found on the class path (" + e + ")");
        }
        if (!ServerHooks.class.isAssignableFrom(type)) {
            throw new SettingException("hooks", "class " + name + " does not implement " + ServerHooks.class.getName());
        }
        try {
            return new Hooks((ServerHooks) type.getConstructor().newInstance());
        } catch (NoSuchMethodException | IllegalAccessException e) {
            throw new SettingException("hooks", "class " + name + " needs a public no-argument constructor");
        } catch (InstantiationException | InvocationTargetException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new SettingException("hooks", "the constructor of " + name + " failed: " + cause);
        }
    }

    /** Runs hook {@code name}; an exception is logged with the hook's name, as Gunicorn does. */
    public void call(String name, Consumer<ServerHooks> call) {
        try {
            call.accept(hooks);
        } catch (RuntimeException | Error e) {
            if (e instanceof VirtualMachineError vme) throw vme;
            log.error("Exception in {} hook", name, e);
        }
    }

    /** Runs hook {@code name} and lets its exception through (on_starting may stop the start). */
    public void callOrFail(Consumer<ServerHooks> call) {
        call.accept(hooks);
    }

    /** True when a hooks class is configured (the request hooks cost nothing otherwise). */
    public boolean configured() {
        return this != NONE;
    }
}

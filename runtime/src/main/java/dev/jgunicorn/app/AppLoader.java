package dev.jgunicorn.app;

import com.sun.net.httpserver.HttpHandler;

import java.io.File;
import java.lang.reflect.Field;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.net.MalformedURLException;
import java.net.URL;
import java.net.URLClassLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Loads the APP argument the way Gunicorn loads {@code module:callable}: {@code com.example.App} (an HttpHandler
 * with a public no-arg constructor) or {@code com.example.App:member} (a static field, or a static no-arg method,
 * yielding an HttpHandler; {@code member()} is accepted too). Failures name the part that was not found.
 */
public final class AppLoader {
    private AppLoader() {
    }

    /** A class loader over --classpath entries (dirs and jars, relative to {@code base}) in front of the runtime's. */
    public static ClassLoader classLoader(List<String> classpath, Path base) {
        if (classpath.isEmpty()) return AppLoader.class.getClassLoader();
        List<URL> urls = new ArrayList<>();
        for (String entry : classpath) {
            Path p = base.resolve(entry).normalize();
            if (!Files.exists(p)) throw new AppLoadException("classpath entry " + entry + " does not exist (" + p + ")");
            try {
                urls.add(p.toUri().toURL());
            } catch (MalformedURLException e) {
                throw new AppLoadException("classpath entry " + entry + " is not a valid path");
            }
        }
        return new URLClassLoader("app", urls.toArray(URL[]::new), AppLoader.class.getClassLoader());
    }

    public static HttpHandler load(String app, ClassLoader loader) {
        if (app == null || app.isBlank()) throw new AppLoadException("no APP given: pass a class such as dev.jgunicorn.demo.Hello");
        int colon = app.indexOf(':');
        String className = colon < 0 ? app.strip() : app.substring(0, colon).strip();
        String member = colon < 0 ? null : app.substring(colon + 1).strip();
        if (member != null && member.endsWith("()")) member = member.substring(0, member.length() - 2);
        if (className.isEmpty()) throw new AppLoadException("APP " + app + ": the class name before ':' is empty");

        Class<?> cls;
        try {
            cls = Class.forName(className, true, loader);
        } catch (ClassNotFoundException e) {
            throw new AppLoadException("APP " + app + ": class " + className + " was not found on the class path"
                    + hint(loader));
        } catch (LinkageError e) {
            throw new AppLoadException("APP " + app + ": class " + className + " failed to load: " + e, e);
        }
        Object handler = member == null || member.isEmpty() ? construct(app, cls) : fromMember(app, cls, member);
        if (!(handler instanceof HttpHandler h)) {
            throw new AppLoadException("APP " + app + ": " + (member == null ? "class " + className : member)
                    + " does not yield a com.sun.net.httpserver.HttpHandler but "
                    + (handler == null ? "null" : handler.getClass().getName()));
        }
        return h;
    }

    private static Object construct(String app, Class<?> cls) {
        if (!HttpHandler.class.isAssignableFrom(cls)) {
            throw new AppLoadException("APP " + app + ": class " + cls.getName()
                    + " does not implement com.sun.net.httpserver.HttpHandler; name a member with " + cls.getName() + ":member");
        }
        try {
            return cls.getConstructor().newInstance();
        } catch (NoSuchMethodException e) {
            throw new AppLoadException("APP " + app + ": class " + cls.getName() + " has no public no-arg constructor");
        } catch (InvocationTargetException e) {
            throw new AppLoadException("APP " + app + ": the constructor of " + cls.getName() + " threw " + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new AppLoadException("APP " + app + ": cannot create " + cls.getName() + ": " + e, e);
        }
    }

    private static Object fromMember(String app, Class<?> cls, String member) {
        try {
            Field f = cls.getField(member);
            if (!Modifier.isStatic(f.getModifiers())) {
                throw new AppLoadException("APP " + app + ": field " + member + " of " + cls.getName() + " is not static");
            }
            return f.get(null);
        } catch (NoSuchFieldException e) {
            // not a field: try a method
        } catch (IllegalAccessException e) {
            throw new AppLoadException("APP " + app + ": field " + member + " is not accessible", e);
        }
        Method m;
        try {
            m = cls.getMethod(member);
        } catch (NoSuchMethodException e) {
            throw new AppLoadException("APP " + app + ": class " + cls.getName() + " has no public static field or no-arg static method named '" + member + "'");
        }
        if (!Modifier.isStatic(m.getModifiers())) {
            throw new AppLoadException("APP " + app + ": method " + member + "() of " + cls.getName() + " is not static");
        }
        try {
            return m.invoke(null);
        } catch (InvocationTargetException e) {
            throw new AppLoadException("APP " + app + ": " + member + "() threw " + e.getCause(), e.getCause());
        } catch (IllegalAccessException e) {
            throw new AppLoadException("APP " + app + ": method " + member + "() is not accessible", e);
        }
    }

    private static String hint(ClassLoader loader) {
        if (loader instanceof URLClassLoader u && u.getURLs().length > 0) {
            List<String> parts = new ArrayList<>();
            for (URL url : u.getURLs()) parts.add(url.getPath());
            return " (searched --classpath " + String.join(File.pathSeparator, parts) + " and the runtime jar)";
        }
        return " (add the app's jars or class directories with --classpath)";
    }
}

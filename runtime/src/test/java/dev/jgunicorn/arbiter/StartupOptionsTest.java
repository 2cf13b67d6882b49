package dev.jgunicorn.arbiter;

import org.junit.jupiter.api.Test;

import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The start-up options a worker JVM gets: only what JDK 21 knows too, and none that --jvm-arg already names. */
class StartupOptionsTest {
    @Test
    void nettysJfrEventsAreOffByDefault() {
        assertEquals(List.of("-Dio.netty.jfr.enabled=false"), StartupOptions.of(List.of("-Xmx256m")));
    }

    @Test
    void jvmArgsWin() {
        assertEquals(List.of(), StartupOptions.of(List.of("-Dio.netty.jfr.enabled=true")));
    }
}

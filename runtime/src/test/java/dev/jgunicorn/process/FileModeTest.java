package dev.jgunicorn.process;

import org.junit.jupiter.api.Test;

import java.nio.file.attribute.PosixFilePermissions;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** Octal modes as the JDK's own rwx notation spells them. */
class FileModeTest {
    @Test
    void octalModesMatchTheirRwxSpelling() {
        assertEquals(PosixFilePermissions.fromString("rw-------"), FileMode.permissions(0600));
        assertEquals(PosixFilePermissions.fromString("rwxr-xr-x"), FileMode.permissions(0755));
        assertEquals(PosixFilePermissions.fromString("rw-rw-r--"), FileMode.permissions(0777 & ~0113));
        assertEquals(PosixFilePermissions.fromString("---------"), FileMode.permissions(0));
        assertEquals(PosixFilePermissions.fromString("rwxrwxrwx"), FileMode.permissions(01777));
    }
}

package dev.jgunicorn.settings.python;

import dev.jgunicorn.settings.ConfigFileException;

/** A parsed expression: evaluated when its statement runs. */
@FunctionalInterface
interface Expr {
    Object eval() throws ConfigFileException;
}

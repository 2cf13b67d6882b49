package dev.jgunicorn.settings.python;

import java.util.AbstractList;
import java.util.Collection;
import java.util.RandomAccess;

/** A Python tuple: an unmodifiable List that Python operations tell apart from a list. */
final class Tuple extends AbstractList<Object> implements RandomAccess {
    private final Object[] items;

    Tuple(Collection<?> items) {
        this.items = items.toArray();
    }

    @Override
    public Object get(int i) {
        return items[i];
    }

    @Override
    public int size() {
        return items.length;
    }
}

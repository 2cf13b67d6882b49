package dev.jgunicorn.server;

import java.util.Collection;

/** A client's connection to this worker, HTTP/1 or HTTP/2, as the worker's bookkeeping and graceful stop see it. */
interface ClientConnection {

    /** The exchanges whose handlers run or may run now, for the timeout watchdog and the in-flight gauge. */
    Collection<Exchange> running();

    /** Graceful stop: finish what runs, take nothing new, then close. */
    void drain();

    void forceClose();
}

package dev.jgunicorn.operator;

import io.fabric8.kubernetes.client.http.BasicBuilder;
import io.fabric8.kubernetes.client.http.HttpRequest;
import io.fabric8.kubernetes.client.http.Interceptor;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * The operator's ceiling on API requests, client-go's QPS and burst as a token bucket: {@code burst} requests may go
 * at once, then {@code qps} a second. fabric8 7 has no such limit with the JDK's HTTP client (its
 * maxConcurrentRequests settings apply to OkHttp only), so without this a reconcile loop gone wrong, or thousands of
 * GunicornServers reconciled after a restart, would send as fast as the API server answers.
 *
 * <p>A request over the limit waits on the thread that sends it, as in client-go: a reconcile thread, or the thread
 * that starts an informer's list or watch (a watch counts once, when it starts). Nothing here runs on an event loop.
 */
final class ApiRateLimit implements Interceptor {
    static final String NAME = "jgunicorn-api-rate-limit";

    private final double perSecond;
    private final double burst;
    /** Tokens in the bucket at {@link #updatedAt}; below zero, the requests already promised a later start. */
    private double tokens;
    private long updatedAt = System.nanoTime();

    ApiRateLimit(int qps, int burst) {
        this.perSecond = qps;
        this.burst = burst;
        this.tokens = burst;
    }

    @Override
    public void before(BasicBuilder builder, HttpRequest request, RequestTags tags) {
        long waitNanos = reserve();
        while (waitNanos > 0) {
            long until = System.nanoTime() + waitNanos;
            LockSupport.parkNanos(waitNanos);
            if (Thread.currentThread().isInterrupted()) return; // stopping: let the request fail on its own
            waitNanos = until - System.nanoTime();
        }
    }

    /** Takes a token and says how long to wait until it is there. */
    private synchronized long reserve() {
        long now = System.nanoTime();
        tokens = Math.min(burst, tokens + (now - updatedAt) * perSecond / TimeUnit.SECONDS.toNanos(1));
        updatedAt = now;
        tokens -= 1;
        return tokens >= 0 ? 0 : (long) (-tokens / perSecond * TimeUnit.SECONDS.toNanos(1));
    }
}

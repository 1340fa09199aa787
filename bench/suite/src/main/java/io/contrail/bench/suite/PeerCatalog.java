package io.contrail.bench.suite;

import java.lang.reflect.Constructor;
import java.lang.reflect.InvocationTargetException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The peers a run can measure, by the name used in {@code --peers} and in the tables. Contrail, the
 * DuckDB limit and Zipkin (which takes its share of the corpus from the options) are built here;
 * the PostgreSQL peer is found by name at run time, so that the suite builds and runs (recording
 * a missing peer as unavailable, with the reason). Such a class needs a public no-argument constructor.
 */
final class PeerCatalog {

    static final Map<String, String> CLASS_BY_NAME;

    static {
        Map<String, String> classes = new LinkedHashMap<>();
        classes.put(ContrailPeer.NAME, ContrailPeer.class.getName());
        classes.put(NullSinkPeer.NAME, NullSinkPeer.class.getName());
        classes.put(DuckDbLimitPeer.NAME, DuckDbLimitPeer.class.getName());
        classes.put("postgresql", "io.contrail.bench.suite.PostgresPeer");
        classes.put(ZipkinPeer.NAME, ZipkinPeer.class.getName());
        for (String clickhouse : ClickHousePeer.NAMES) {
            classes.put(clickhouse, ClickHousePeer.class.getName());
        }
        CLASS_BY_NAME = java.util.Collections.unmodifiableMap(classes); // in table order
    }

    private PeerCatalog() {
    }

    static boolean knows(String name) {
        return CLASS_BY_NAME.containsKey(name);
    }

    /** How the Contrail server (and the null sink beside it) runs and is loaded. */
    static ContrailPeer.Settings contrailSettings(BenchOptions options) {
        return new ContrailPeer.Settings(BenchClasspath.current(), options.serverMaxHeap(), options.clients(),
                options.gzip(), options.serverJvmArgs(), options.serverArgs(), options.sustainedSeconds());
    }

    /** A new, unstarted peer; unavailable when its class is missing or cannot be made. */
    static Peer create(String name, BenchOptions options) throws PeerUnavailableException {
        if (name.equals(ContrailPeer.NAME)) {
            return new ContrailPeer(contrailSettings(options));
        }
        if (name.equals(NullSinkPeer.NAME)) {
            return new NullSinkPeer(contrailSettings(options));
        }
        if (name.equals(DuckDbLimitPeer.NAME)) {
            return new DuckDbLimitPeer();
        }
        if (ClickHousePeer.NAMES.contains(name)) {
            return ClickHousePeer.named(name);
        }
        if (name.equals(ZipkinPeer.NAME)) {
            return new ZipkinPeer(options.zipkinSpans(), ZipkinPeer.maxStoredWaitFor(options.zipkinSpans()));
        }
        String className = CLASS_BY_NAME.get(name);
        if (className == null) {
            throw new PeerUnavailableException("no peer is called " + name + "; known: " + CLASS_BY_NAME.keySet());
        }
        Class<?> type;
        try {
            type = Class.forName(className);
        } catch (ClassNotFoundException e) {
            throw new PeerUnavailableException("its class " + className + " is not in this build (bench/suite/src/main/java/"
                    + className.replace('.', '/') + ".java does not exist yet)");
        }
        if (!Peer.class.isAssignableFrom(type)) {
            throw new PeerUnavailableException(className + " does not implement " + Peer.class.getName());
        }
        try {
            Constructor<?> constructor = type.getConstructor();
            return (Peer) constructor.newInstance();
        } catch (NoSuchMethodException e) {
            throw new PeerUnavailableException(className + " has no public no-argument constructor");
        } catch (InvocationTargetException e) {
            throw new PeerUnavailableException(className + "'s constructor failed: " + e.getCause(), e.getCause());
        } catch (ReflectiveOperationException e) {
            throw new PeerUnavailableException("cannot create " + className + ": " + e, e);
        }
    }
}

package io.contrail.bench.suite;

/**
 * The classpath a child JVM (the Contrail server) is started with: the one this JVM runs on. Under
 * Maven Surefire {@code java.class.path} may be a single manifest-only jar; Surefire then also
 * sets {@code surefire.test.class.path} with the real entries. {@code contrail.bench.classpath}
 * overrides both.
 */
final class BenchClasspath {

    static final String OVERRIDE_PROPERTY = "contrail.bench.classpath";

    private BenchClasspath() {
    }

    static String current() {
        for (String property : new String[] {OVERRIDE_PROPERTY, "surefire.test.class.path", "java.class.path"}) {
            String value = System.getProperty(property);
            if (value != null && !value.isBlank()) {
                return value;
            }
        }
        throw new IllegalStateException("no classpath: java.class.path is empty");
    }
}

package dev.breakeven.app;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.breakeven.cluster.InProcessCounters;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@code cluster:} section: where the plans' limits are counted, and how a bad value is named. */
class ClusterConfigTest {
    @TempDir
    Path dir;

    BreakevenConfig load(String yaml) {
        return ConfigFiles.load(dir, yaml);
    }

    @Test
    void byDefault_theCountersAreInThisProcess_andNoVariableIsRead() {
        BreakevenConfig c = new ConfigLoader(Map.of()).load(null, Map.of());

        assertThat(c.cluster()).isEqualTo(new BreakevenConfig.Cluster("in_process", "BREAKEVEN_REDIS_URL", 1000));
        assertThat(ClusterSettings.redisUrl(c.cluster(), Map.of())).isNull();
        assertThat(ClusterSettings.counters(c.cluster(), null)).isInstanceOf(InProcessCounters.class);
    }

    @Test
    void redis_isChosenInTheFileOrTheEnvironment_andItsUrlIsReadFromTheNamedVariable() throws Exception {
        BreakevenConfig fromFile = load("cluster: {counters: redis, redis_url_env: COUNTERS_URL}\n");
        BreakevenConfig fromEnv = new ConfigLoader(Map.of("BREAKEVEN_CLUSTER_COUNTERS", "redis")).load(null, Map.of());

        assertThat(ClusterSettings.redisUrl(fromFile.cluster(), Map.of("COUNTERS_URL", " redis://10.0.0.5:6379/2 ")))
                .isEqualTo("redis://10.0.0.5:6379/2");
        assertThat(fromEnv.cluster().counters()).isEqualTo("redis");
    }

    @Test
    void redisWithoutItsVariable_stopsStartUp_namingTheKeyAndTheVariable() {
        BreakevenConfig c = new ConfigLoader(Map.of("BREAKEVEN_CLUSTER_COUNTERS", "redis")).load(null, Map.of());

        assertThatThrownBy(() -> Breakeven.start(c, java.time.Clock.systemUTC(), Map.of()))
                .isInstanceOf(ConfigException.class)
                .hasMessage("cluster.redis_url_env: the variable BREAKEVEN_REDIS_URL is unset; it must hold"
                        + " redis://host:port[/db] when cluster.counters is redis");
    }

    @Test
    void aUrlThatIsNotRedis_isRefused_namingTheVariable() {
        BreakevenConfig c = new ConfigLoader(Map.of("BREAKEVEN_CLUSTER_COUNTERS", "redis")).load(null, Map.of());

        assertThatThrownBy(() -> ClusterSettings.counters(c.cluster(), "http://127.0.0.1:6379"))
                .isInstanceOf(ConfigException.class)
                .hasMessageStartingWith("cluster.redis_url_env: BREAKEVEN_REDIS_URL holds not a Redis URL");
    }

    @Test
    void badValues_areOneLineErrorsNamingTheKey() {
        assertThatThrownBy(() -> load("cluster: {counters: memcached}\n"))
                .hasMessageContaining("cluster.counters must be in_process or redis, got 'memcached'");
        assertThatThrownBy(() -> load("cluster: {counters: redis, redis_url_env: \"redis://x:6379\"}\n"))
                .hasMessageContaining("cluster.redis_url_env must name an environment variable");
        assertThatThrownBy(() -> load("cluster: {redis_timeout_ms: 0}\n"))
                .hasMessageContaining("cluster.redis_timeout_ms must be 1..60000, got 0");
    }
}

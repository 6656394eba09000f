package io.goldylox.samples.monitoring;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import javax.management.MBeanServer;
import javax.management.ObjectName;
import org.junit.jupiter.api.Test;

class JmxMonitoringTest {

  private static final Pattern REPORT =
      Pattern.compile("\\[ *(\\d+)s] gets/s= *([0-9,]+)  hit ratio= *([0-9.]+)%  size= *([0-9,]+)");

  @Test
  void runsForTheGivenSecondsReportingThroughJmxWhileTheBeansAreRegistered() throws Exception {
    MBeanServer server = ManagementFactory.getPlatformMBeanServer();
    ObjectName ours = new ObjectName("*:CacheManager=urn.goldylox.monitoring-sample,Cache=inventory,*");
    List<Set<String>> seenWhileRunning = new ArrayList<>();
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();

    JmxMonitoring.Summary summary;
    try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
      summary = JmxMonitoring.run(out, JmxMonitoring.Options.parse("--seconds", "2"), second -> {
        Set<String> names = new TreeSet<>();
        server.queryNames(ours, null).forEach(name -> names.add(name.toString()));
        seenWhileRunning.add(names);
      });
    }
    String printed = bytes.toString(StandardCharsets.UTF_8);

    Set<String> expected = Set.of(
        "javax.cache:type=CacheStatistics,CacheManager=urn.goldylox.monitoring-sample,Cache=inventory",
        "javax.cache:type=CacheConfiguration,CacheManager=urn.goldylox.monitoring-sample,Cache=inventory",
        "io.goldylox:type=Cache,CacheManager=urn.goldylox.monitoring-sample,Cache=inventory",
        "io.goldylox:type=Listeners,CacheManager=urn.goldylox.monitoring-sample,Cache=inventory",
        "io.goldylox:type=Expiry,CacheManager=urn.goldylox.monitoring-sample,Cache=inventory");
    assertThat(seenWhileRunning).hasSize(2);
    for (Set<String> names : seenWhileRunning) {
      assertThat(names).containsExactlyInAnyOrderElementsOf(expected);
    }
    assertThat(server.queryNames(ours, null)).as("beans after the manager closed").isEmpty();
    for (String name : expected) {
      assertThat(printed).contains("  " + name + " ");
    }

    Matcher matcher = REPORT.matcher(printed);
    List<Long> getsPerSecond = new ArrayList<>();
    while (matcher.find()) {
      assertThat(Integer.parseInt(matcher.group(1))).isEqualTo(getsPerSecond.size() + 1);
      getsPerSecond.add(Long.parseLong(matcher.group(2).replace(",", "")));
      assertThat(Double.parseDouble(matcher.group(3))).isBetween(0.0, 100.0);
    }
    assertThat(getsPerSecond).hasSize(2).allSatisfy(rate -> assertThat(rate).isPositive());
    assertThat(summary.reports()).isEqualTo(2);
    assertThat(summary.gets()).isPositive();
    assertThat(summary.hits()).isPositive().isLessThan(summary.gets());
    assertThat(summary.size()).isPositive();
    assertThat(printed)
        .contains("Cache 'inventory' under load for 2 s with 1 thread(s). Process id "
            + ProcessHandle.current().pid())
        .containsPattern("Total: [0-9,]+ gets, [0-9,]+ hits \\([0-9.]+%\\), [0-9,]+ entries at the end")
        .contains("Closed the cache manager: its MBeans are unregistered");
  }

  @Test
  void parsesItsArguments() {
    assertThat(JmxMonitoring.Options.parse()).isEqualTo(new JmxMonitoring.Options(60, 1));
    assertThat(JmxMonitoring.Options.parse("--seconds", "5")).isEqualTo(new JmxMonitoring.Options(5, 1));
    assertThat(JmxMonitoring.Options.parse("--seconds=7", "--threads=2")).isEqualTo(new JmxMonitoring.Options(7, 2));
    assertThat(JmxMonitoring.Options.parse("9")).isEqualTo(new JmxMonitoring.Options(9, 1));
    assertThatThrownBy(() -> JmxMonitoring.Options.parse("--seconds")).hasMessageContaining("--seconds needs a number");
    assertThatThrownBy(() -> JmxMonitoring.Options.parse("--seconds", "x")).hasMessageContaining("whole number");
    assertThatThrownBy(() -> JmxMonitoring.Options.parse("--seconds", "0")).hasMessageContaining("at least 1");
    assertThatThrownBy(() -> JmxMonitoring.Options.parse("--fast")).hasMessageContaining("Unknown option --fast");
  }
}

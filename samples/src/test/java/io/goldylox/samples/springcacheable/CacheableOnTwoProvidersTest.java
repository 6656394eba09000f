package io.goldylox.samples.springcacheable;

import static org.assertj.core.api.Assertions.assertThat;

import io.goldylox.spi.GoldyloxCacheManager;
import java.util.stream.Stream;
import javax.cache.CacheManager;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Runs {@link ProfileApplication} for real on Goldylox and on Caffeine's JCache (both on this test's class path,
 * chosen by {@code spring.cache.jcache.provider} alone) and checks behaviour, not time: a second call is a hit,
 * every hit hands back a copy of its own (store-by-value), and each app runs on the provider it names. Runs in
 * the samples' second surefire execution, the only one with Caffeine's JCache on the class path (see the pom).
 * One test thread.
 */
class CacheableOnTwoProvidersTest {

  static Stream<Arguments> providers() {
    return Stream.of(
        Arguments.of(ProfileApplication.GOLDYLOX, GoldyloxCacheManager.class.getName()),
        Arguments.of(ProfileApplication.CAFFEINE, "com.github.benmanes.caffeine.jcache.CacheManagerImpl"));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("providers")
  void aSecondCallIsAHitAndEveryHitIsACopy(String provider, String managerClass) {
    try (ConfigurableApplicationContext app = ProfileApplication.start(provider)) {
      CacheManager manager = ProfileApplication.jcacheManager(app);
      assertThat(manager.getClass().getName()).isEqualTo(managerClass);
      assertThat(manager instanceof GoldyloxCacheManager).as("on Goldylox")
          .isEqualTo(provider.equals(ProfileApplication.GOLDYLOX));
      assertThat(manager.getCachingProvider().getClass().getName()).isEqualTo(provider);
      assertThat(manager.getCacheNames()).contains("profiles");
      ProfileService profiles = app.getBean(ProfileService.class);

      UserProfile first = profiles.profile("user-7");
      UserProfile expected = copyOf(first);
      // The miss hands back the method's own object; the cache keeps a copy of it, so changing it changes nothing.
      first.setDisplayName("changed by the caller of the miss");
      first.getRoles().add("admin");

      UserProfile second = profiles.profile("user-7");
      assertThat(profiles.lookups()).as("method bodies run").isEqualTo(1);
      assertThat(second).isEqualTo(expected).isNotSameAs(first);

      second.setVisits(-1);
      second.getRoles().clear();
      second.setLastLogin(null);
      UserProfile third = profiles.profile("user-7");
      assertThat(profiles.lookups()).as("method bodies run").isEqualTo(1);
      assertThat(third).isEqualTo(expected).isNotSameAs(second);
      assertThat(third.getRoles()).isNotSameAs(second.getRoles());
    }
  }

  private static UserProfile copyOf(UserProfile profile) {
    return new UserProfile(profile.getUserId(), profile.getDisplayName(), profile.getVisits(), profile.getRoles(),
        profile.getLastLogin());
  }
}
